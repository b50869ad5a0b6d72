/**
 * The direction of dependencies (docs/architecture.md), checked by `npm run lint`:
 *   src/core (the contract)  <-  probes/kit, probes/protocols/<name>  <-  probes/<kind>.ts  <-
 *   probes/registry.ts  <-  the app (src/matrix, inventory, planner, runner, verdict, report, cli...)
 * A rule broken here is a design question, not a lint nit: move the shared piece down instead.
 */
export default {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle ties modules together so that neither can change or load alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment: 'src/core is the contract every layer shares; it imports nothing of the project above it.',
      from: { path: '^src/core/' },
      to: { path: '^(src|probes)/', pathNot: '^src/core/' },
    },
    {
      name: 'probes-use-only-the-contract',
      severity: 'error',
      comment: 'probes/ is a library: it depends on src/core and on itself, never on the application.',
      from: { path: '^probes/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'kit-below-protocols',
      severity: 'error',
      comment: 'The transport kit serves every protocol; it knows none of them, and no probe.',
      from: { path: '^probes/kit/' },
      to: { path: '^probes/', pathNot: '^probes/kit/' },
    },
    {
      name: 'protocols-below-probes',
      severity: 'error',
      comment: "A protocol's codec is shared by its probe, the lab and the responder: it never imports a probe.",
      from: { path: '^probes/protocols/' },
      to: { path: '^probes/[^/]+[.]ts$' },
    },
    {
      name: 'app-reaches-probes-through-the-registry',
      severity: 'error',
      comment:
        'The application picks probes from probes/registry.ts; only the lab peers and the responder speak a ' +
        "protocol themselves, through that protocol's folder.",
      from: { path: '^src/', pathNot: '^src/(core|lab|responder)/' },
      to: { path: '^probes/', pathNot: '^probes/(registry|reason-catalogue)[.]ts$' },
    },
    {
      name: 'lab-and-responder-use-protocols-not-probes',
      severity: 'error',
      comment: 'The lab and the responder share codecs with the probes, not the probes themselves.',
      from: { path: '^src/(lab|responder)/' },
      to: { path: '^probes/[^/]+[.]ts$', pathNot: '^probes/(registry|reason-catalogue)[.]ts$' },
    },
    {
      name: 'cli-is-the-top',
      severity: 'error',
      comment: 'The command line uses the application; nothing of the application uses the command line.',
      from: { path: '^(src|probes)/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
