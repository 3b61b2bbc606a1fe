import type * as ast from 'luaparse';
import type { LuaData } from './lua-data.js';

/** Lua's value rules the config evaluator needs: concatenation, tostring, comparison; and callee names for errors. */

export function isConcatenable(v: LuaData): v is string | number {
  return typeof v === 'string' || typeof v === 'number';
}

/** Lua's tostring for numbers: integers plainly, floats as %.14g. */
export function luaToString(v: string | number): string {
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(14)));
}

export function compare<T extends string | number>(op: string, a: T, b: T): boolean {
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

/** `os.execute`, `t["x"]`, `require`: how a callee reads in an error message. */
export function describeCallee(e: ast.Expression): string {
  switch (e.type) {
    case 'Identifier':
      return e.name;
    case 'MemberExpression':
      return `${describeCallee(e.base)}${e.indexer}${e.identifier.name}`;
    case 'IndexExpression':
      return `${describeCallee(e.base)}[…]`;
    case 'CallExpression':
    case 'StringCallExpression':
    case 'TableCallExpression':
      return `${describeCallee(e.base)}(…)`;
    default:
      return 'an expression';
  }
}
