import luaparse from 'luaparse';
import type * as ast from 'luaparse';
import { ConfigError } from '../../errors.js';
import { DataTable, luaTypeOf, type LuaData, type LuaKey, type Where } from './lua-data.js';
import { compare, describeCallee, isConcatenable, luaToString } from './lua-values.js';

/**
 * Evaluates one configuration file as Lua *data*, never as code: literals, locals, options
 * (globals), `..`, arithmetic, `and`/`or`/`not`, table constructors, `t[k] = v` / `t.k = v`, and
 * the directives the host hands in (`VirtualHost`, `Component`, `Include`). Everything else — a
 * call to any other function, `os.*`, `require`, a function definition, a loop — is a ConfigError
 * naming the file and line, found before anything could have run (nothing ever runs).
 */

/** What the evaluation of a file does with options and directives (shared across includes). */
export interface ConfigTarget {
  /** `name = value` outside a local: an option of the current section. */
  setOption(section: string, name: string, value: LuaData, where: Where): void;
  /** Reading a name that is not a local: the current section's option (as Prosody 13 does). */
  getOption(section: string, name: string): LuaData;
  /** `VirtualHost "name"` / `Component "name" "module"`: returns the section name. */
  declareHost(kind: 'VirtualHost' | 'Component', name: string, module: string | null, where: Where): string;
  /** `Include "path"` relative to `from`'s folder. */
  include(path: string, where: Where): void;
}

const GLOBAL_SECTION = '*';

const DIRECTIVES: Record<string, 'VirtualHost' | 'Component' | 'Include'> = {
  VirtualHost: 'VirtualHost',
  Host: 'VirtualHost',
  host: 'VirtualHost',
  Component: 'Component',
  component: 'Component',
  Include: 'Include',
  include: 'Include',
};

// Names that resolve to Lua's standard library (or Prosody's escape hatches to it) in Prosody's
// config environment. Reading one is refused: it could only be used to run code.
const LUA_GLOBALS = new Set([
  '_G', '_ENV', '_VERSION', 'Lua', 'RunScript', 'assert', 'collectgarbage', 'dofile', 'error', 'getmetatable',
  'ipairs', 'load', 'loadfile', 'loadstring', 'next', 'pairs', 'pcall', 'print', 'rawequal', 'rawget', 'rawlen',
  'rawset', 'require', 'select', 'setmetatable', 'tonumber', 'tostring', 'type', 'xpcall', 'unpack', 'module',
  'setfenv', 'getfenv', 'coroutine', 'debug', 'io', 'math', 'os', 'package', 'string', 'table', 'utf8', 'bit32',
]);

const NOT_RUN = 'monthly-visitors reads the config as data and never runs it';

/** Lua strings are bytes: the parser sees the file as latin1, values are turned back into UTF-8. */
function fromBytes(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

export function evaluateLuaData(file: string, sourceBytes: Buffer, target: ConfigTarget): void {
  let chunk: ast.Chunk;
  try {
    chunk = luaparse.parse(sourceBytes.toString('latin1'), {
      locations: true,
      luaVersion: '5.3',
      encodingMode: 'pseudo-latin1',
      comments: false,
    });
  } catch (err) {
    const e = err as { line?: number; message?: string };
    const message = (e.message ?? String(err)).replace(/^\[\d+:\d+\]\s*/, '');
    throw new ConfigError(`${file}:${e.line ?? 1}: Lua syntax error: ${message}`);
  }
  new FileEvaluator(file, target).run(chunk.body);
}

class FileEvaluator {
  private readonly scopes: Array<Map<string, LuaData>> = [new Map()];
  /** Prosody starts every file, included ones too, in the global section. */
  private section = GLOBAL_SECTION;

  constructor(
    private readonly file: string,
    private readonly target: ConfigTarget,
  ) {}

  run(body: ast.Statement[]): void {
    for (const statement of body) this.statement(statement);
  }

  private where(node: ast.Node): Where {
    return { file: this.file, line: node.loc?.start.line ?? 0 };
  }

  private fail(node: ast.Node, message: string): never {
    throw new ConfigError(`${this.file}:${node.loc?.start.line ?? 0}: ${message}`);
  }

  private unsupported(node: ast.Node, what: string): never {
    this.fail(node, `${what} is not supported: ${NOT_RUN}`);
  }

  private statement(s: ast.Statement): void {
    switch (s.type) {
      case 'LocalStatement': {
        const values = this.expressionList(s.init);
        const scope = this.scopes[this.scopes.length - 1]!;
        s.variables.forEach((v, i) => scope.set(v.name, values[i] ?? null));
        return;
      }
      case 'AssignmentStatement': {
        // Lua evaluates every right-hand side before assigning.
        const values = this.expressionList(s.init);
        s.variables.forEach((v, i) => this.assign(v, values[i] ?? null));
        return;
      }
      case 'CallStatement':
        this.directive(s.expression);
        return;
      case 'DoStatement':
        this.scopes.push(new Map());
        this.run(s.body);
        this.scopes.pop();
        return;
      case 'FunctionDeclaration':
        return this.unsupported(s, 'a function definition');
      case 'IfStatement':
        return this.unsupported(s, 'an if statement');
      case 'WhileStatement':
      case 'RepeatStatement':
      case 'ForNumericStatement':
      case 'ForGenericStatement':
        return this.unsupported(s, 'a loop');
      case 'ReturnStatement':
        return this.unsupported(s, 'return');
      default:
        return this.unsupported(s, `a ${s.type.replace(/Statement$/, '').toLowerCase()} statement`);
    }
  }

  private assign(target: ast.Identifier | ast.MemberExpression | ast.IndexExpression, value: LuaData): void {
    if (target.type === 'Identifier') {
      const scope = this.scopeOf(target.name);
      if (scope) scope.set(target.name, value);
      else this.target.setOption(this.section, target.name, value, this.where(target));
      return;
    }
    const table = this.tableToIndex(target.base, target);
    const key = target.type === 'MemberExpression' ? target.identifier.name : this.key(target.index);
    table.set(key, value, this.where(target));
  }

  private scopeOf(name: string): Map<string, LuaData> | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.has(name)) return this.scopes[i];
    return undefined;
  }

  /** `VirtualHost "x"`, `VirtualHost "x" { … }`, `Component "x" "muc"`, `Include "conf.d/*.lua"`. */
  private directive(call: ast.CallExpression | ast.StringCallExpression | ast.TableCallExpression): void {
    // Unwind `f "a" "b" {…}` into the callee and its argument lists, innermost first.
    const argLists: ast.Expression[][] = [];
    let callee: ast.Expression = call;
    while (callee.type === 'CallExpression' || callee.type === 'StringCallExpression' || callee.type === 'TableCallExpression') {
      argLists.unshift(
        callee.type === 'CallExpression' ? callee.arguments : callee.type === 'StringCallExpression' ? [callee.argument] : [callee.arguments],
      );
      callee = callee.base;
    }
    const kind = callee.type === 'Identifier' && !this.scopeOf(callee.name) ? DIRECTIVES[callee.name] : undefined;
    if (kind === undefined) return this.unsupported(call, `calling ${describeCallee(callee)}(…)`);

    const name = this.stringArgument(argLists[0]!, call, `${kind} needs a name`);
    if (kind === 'Include') {
      if (argLists.length > 1) return this.unsupported(call, 'calling the result of Include');
      this.target.include(name, this.where(call));
      return;
    }
    let rest = argLists.slice(1);
    let module: string | null = null;
    if (kind === 'Component' && rest.length > 0 && rest[0]!.length > 0 && rest[0]![0]!.type !== 'TableConstructorExpression') {
      module = this.stringArgument(rest[0]!, call, 'a Component module name must be a string');
      rest = rest.slice(1);
    }
    const host = this.target.declareHost(kind, name, module, this.where(call));
    this.section = host;
    if (rest.length === 0) return;
    // `VirtualHost "x" { opt = v }` sets the options and returns to the global section.
    if (rest.length > 1) return this.unsupported(call, `calling the result of ${kind} twice`);
    const options = this.evaluate(this.single(rest[0]!, call));
    if (!(options instanceof DataTable)) return this.fail(call, `${kind} "${name}" expects a table of options, got a ${luaTypeOf(options)}`);
    this.section = GLOBAL_SECTION;
    for (const [key, entry] of options.entries()) {
      if (typeof key === 'string') this.target.setOption(host, key, entry.value, entry.where);
    }
  }

  private single(args: ast.Expression[], node: ast.Node): ast.Expression {
    if (args.length !== 1) this.fail(node, `expected one argument, got ${args.length}`);
    return args[0]!;
  }

  private stringArgument(args: ast.Expression[], node: ast.Node, message: string): string {
    const value = this.evaluate(this.single(args, node));
    if (typeof value !== 'string') this.fail(node, message);
    return value;
  }

  private expressionList(list: ast.Expression[]): LuaData[] {
    return list.map((e) => this.evaluate(e));
  }

  private tableToIndex(base: ast.Expression, node: ast.Node): DataTable {
    const table = this.evaluate(base);
    if (!(table instanceof DataTable)) this.fail(node, `attempt to index a ${luaTypeOf(table)} value (${describeCallee(base)})`);
    return table;
  }

  private key(e: ast.Expression): LuaKey {
    const key = this.evaluate(e);
    if (key === null) this.fail(e, 'table index is nil');
    if (key instanceof DataTable) this.unsupported(e, 'a table as a table key');
    if (typeof key === 'number' && Number.isNaN(key)) this.fail(e, 'table index is NaN');
    return key;
  }

  private evaluate(e: ast.Expression): LuaData {
    switch (e.type) {
      case 'StringLiteral':
        return fromBytes(e.value);
      case 'NumericLiteral':
      case 'BooleanLiteral':
        return e.value;
      case 'NilLiteral':
        return null;
      case 'Identifier':
        return this.variable(e);
      case 'TableConstructorExpression':
        return this.table(e);
      case 'MemberExpression':
        if (e.indexer === ':') return this.unsupported(e, 'a method call');
        return this.tableToIndex(e.base, e).get(e.identifier.name);
      case 'IndexExpression':
        return this.tableToIndex(e.base, e).get(this.key(e.index));
      case 'BinaryExpression':
        return this.binary(e);
      case 'LogicalExpression': {
        const left = this.evaluate(e.left);
        const truthy = left !== null && left !== false;
        if (e.operator === 'and') return truthy ? this.evaluate(e.right) : left;
        return truthy ? left : this.evaluate(e.right);
      }
      case 'UnaryExpression':
        return this.unary(e);
      case 'CallExpression':
      case 'StringCallExpression':
      case 'TableCallExpression':
        return this.unsupported(e, `calling ${describeCallee(e.base)}(…)`);
      case 'FunctionDeclaration':
        return this.unsupported(e, 'a function definition');
      case 'VarargLiteral':
        return this.unsupported(e, '...');
    }
  }

  private variable(e: ast.Identifier): LuaData {
    const scope = this.scopeOf(e.name);
    if (scope) return scope.get(e.name) ?? null;
    if (DIRECTIVES[e.name] !== undefined) return this.unsupported(e, `using ${e.name} other than as a directive`);
    if (LUA_GLOBALS.has(e.name)) return this.unsupported(e, `${e.name} (Lua's standard library)`);
    // Prosody hands ENV_FOO the environment variable FOO; we run on the same machine.
    if (e.name.startsWith('ENV_')) return process.env[e.name.slice(4)] ?? null;
    return this.target.getOption(this.section, e.name);
  }

  private table(e: ast.TableConstructorExpression): DataTable {
    const table = new DataTable();
    let position = 1;
    for (const field of e.fields) {
      const where = this.where(field);
      if (field.type === 'TableValue') table.set(position++, this.evaluate(field.value), where);
      else if (field.type === 'TableKeyString') table.set(field.key.name, this.evaluate(field.value), where);
      else table.set(this.key(field.key), this.evaluate(field.value), where);
    }
    return table;
  }

  private binary(e: ast.BinaryExpression): LuaData {
    const left = this.evaluate(e.left);
    const right = this.evaluate(e.right);
    const op = e.operator;
    if (op === '..') {
      if (!isConcatenable(left) || !isConcatenable(right)) {
        return this.fail(e, `attempt to concatenate a ${luaTypeOf(isConcatenable(left) ? right : left)} value`);
      }
      return luaToString(left) + luaToString(right);
    }
    if (op === '==') return left === right;
    if (op === '~=') return left !== right;
    if (typeof left !== 'number' || typeof right !== 'number') {
      if ((op === '<' || op === '<=' || op === '>' || op === '>=') && typeof left === 'string' && typeof right === 'string') {
        return compare(op, left, right);
      }
      return this.fail(e, `attempt to perform '${op}' on a ${luaTypeOf(typeof left === 'number' ? right : left)} value`);
    }
    switch (op) {
      case '+': return left + right;
      case '-': return left - right;
      case '*': return left * right;
      case '/': return left / right;
      case '%': return left - Math.floor(left / right) * right;
      case '^': return left ** right;
      case '//': return Math.floor(left / right);
      case '<': case '<=': case '>': case '>=': return compare(op, left, right);
      default: return this.unsupported(e, `the operator ${op}`);
    }
  }

  private unary(e: ast.UnaryExpression): LuaData {
    const value = this.evaluate(e.argument);
    switch (e.operator) {
      case 'not':
        return value === null || value === false;
      case '-':
        if (typeof value !== 'number') return this.fail(e, `attempt to perform arithmetic on a ${luaTypeOf(value)} value`);
        return -value;
      case '#':
        if (typeof value === 'string') return Buffer.byteLength(value);
        if (value instanceof DataTable) return value.length;
        return this.fail(e, `attempt to get length of a ${luaTypeOf(value)} value`);
      default:
        return this.unsupported(e, `the operator ${e.operator}`);
    }
  }
}
