/**
 * The deployment's paths are the planner's expansion of the matrix (src/planner/deployment-paths.ts):
 * `merge` and `rules` read the same list, so they never disagree on which paths a deployment has.
 */
export { matrixPaths, pointKey, type MatrixPath } from '../planner/deployment-paths.js';
