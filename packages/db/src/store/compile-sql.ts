import { createHash } from 'node:crypto';

/** A template compiled once: its text with `$n` placeholders, and the name it is prepared under (see preparedSql). */
interface CompiledSql {
  text: string;
  name: string;
}

// Keyed by the template's strings array, which JavaScript creates once per call site and reuses on every call.
const compiled = new WeakMap<TemplateStringsArray, CompiledSql>();

function compiledOf(strings: TemplateStringsArray): CompiledSql {
  let found = compiled.get(strings);
  if (found === undefined) {
    const text = strings.reduce((sql, part, i) => `${sql}$${i}${part}`);
    // Named by its text: two call sites with the same statement share one prepared statement per connection.
    found = { text, name: `distillery_${createHash('sha256').update(text).digest('hex').slice(0, 24)}` };
    compiled.set(strings, found);
  }
  return found;
}

/** `a ${x} b ${y}` → `a $1 b $2`: every interpolation of a {@link SqlExecutor} template is a bound parameter. */
export function compileSql(strings: TemplateStringsArray): string {
  return compiledOf(strings).text;
}

/**
 * The statement as pg runs it. A template written in the code (its strings array is frozen, made once per call
 * site) with parameters becomes a named prepared statement: each pooled connection parses and plans it once and
 * then only binds and executes it, which the hot paths (claims, epochs, results, a sweep's read) repeat thousands
 * of times. Statements composed at run time (Prisma.sql fragments: a new array each time, of unbounded variety)
 * and statements without parameters (which may hold several commands, which a prepared statement cannot) stay
 * unnamed.
 */
export function preparedSql(
  strings: TemplateStringsArray,
  values: unknown[],
): { text: string; values: unknown[]; name?: string } {
  const { text, name } = compiledOf(strings);
  return Object.isFrozen(strings) && values.length > 0 ? { name, text, values } : { text, values };
}
