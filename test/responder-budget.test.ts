import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from '../src/responder/connection-budget.js';

describe('the responder\'s connection budget', () => {
  const limits = { total: 10, perInventorySource: 3, perOutsideSource: 2, outside: 4 };

  it('caps each source address on its own', () => {
    const budget = new ConnectionBudget(limits);
    const slots = [budget.admit('192.0.2.1', true), budget.admit('192.0.2.1', true), budget.admit('192.0.2.1', true)];
    expect(slots.every((slot) => slot !== undefined)).toBe(true);
    expect(budget.admit('192.0.2.1', true)).toBeUndefined();
    expect(budget.admit('192.0.2.2', true)).toBeDefined();
    slots[0]?.();
    expect(budget.admit('192.0.2.1', true)).toBeDefined();
  });

  it('gives outsiders a few slots each and a small pool in all, so peers keep the rest', () => {
    const budget = new ConnectionBudget(limits);
    expect(budget.admit('203.0.113.1', false)).toBeDefined();
    expect(budget.admit('203.0.113.1', false)).toBeDefined();
    expect(budget.admit('203.0.113.1', false)).toBeUndefined();
    expect(budget.admit('203.0.113.2', false)).toBeDefined();
    expect(budget.admit('203.0.113.3', false)).toBeDefined();
    expect(budget.admit('203.0.113.4', false)).toBeUndefined();
    for (const peer of ['192.0.2.1', '192.0.2.2']) for (let i = 0; i < 3; i++) expect(budget.admit(peer, true)).toBeDefined();
    expect(budget.admit('192.0.2.3', true)).toBeUndefined();
  });

  it('frees a slot once, however often it is released', () => {
    const budget = new ConnectionBudget({ ...limits, total: 1 });
    const release = budget.admit('192.0.2.1', true);
    release?.();
    release?.();
    expect(budget.admit('192.0.2.1', true)).toBeDefined();
    expect(budget.admit('192.0.2.1', true)).toBeUndefined();
  });
});
