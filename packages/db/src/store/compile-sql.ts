/** `a ${x} b ${y}` → `a $1 b $2`: every interpolation of a {@link SqlExecutor} template is a bound parameter. */
export function compileSql(strings: TemplateStringsArray): string {
  return strings.reduce((text, part, i) => `${text}$${i}${part}`);
}
