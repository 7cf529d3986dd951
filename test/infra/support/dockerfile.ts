import { type Copy, DockerfileParser } from 'dockerfile-ast';

/** One instruction, reduced to what the checks read. */
export interface Step {
  keyword: string;
  /** Arguments as written (flags such as `--from=build` included), variables not expanded. */
  args: string[];
  /** `--name[=value]` flags (`COPY --from=build`, `RUN --mount=…`); a bare flag maps to ''. */
  flags: Map<string, string>;
  /** The arguments' text as written, flags excluded. */
  text: string;
  line: number;
}

export interface Stage {
  /** The FROM image as written, e.g. `node:${NODE_VERSION}-bookworm-slim`. */
  image: string;
  /** `AS <name>`, or undefined. */
  name: string | undefined;
  steps: Step[];
}

export interface ParsedDockerfile {
  /** ARGs declared before the first FROM, with their defaults (usable in FROM lines). */
  globalArgs: Map<string, string>;
  stages: Stage[];
  comments: string[];
}

/** Parses a Dockerfile with dockerfile-ast (the parser behind VS Code's Docker language support). */
export function parseDockerfile(content: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(content);
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    const text = instruction.getRawArgumentsContent() ?? '';
    const flags = new Map<string, string>();
    if ('getFlags' in instruction && typeof instruction.getFlags === 'function') {
      for (const flag of (instruction as Copy).getFlags()) flags.set(flag.getName(), flag.getValue() ?? '');
    }
    const step: Step = {
      keyword,
      args: instruction.getArguments().map((a) => a.getValue()),
      flags,
      text,
      line: instruction.getRange().start.line + 1,
    };
    if (keyword === 'FROM') {
      const [image = '', as, name] = step.args;
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, steps: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [key, value = ''] = (step.args[0] ?? '').split(/=(.*)/s);
        globalArgs.set(key as string, value);
      }
    } else {
      (stages.at(-1) as Stage).steps.push(step);
    }
  }
  return { globalArgs, stages, comments: dockerfile.getComments().map((c) => c.getContent()) };
}

/** `${NAME}` / `$NAME` replaced from `args` (Dockerfile ARG defaults). */
export function expandArgs(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a?: string, b?: string) => {
    const value = args.get((a ?? b) as string);
    if (value === undefined) throw new Error(`${whole} has no default`);
    return value;
  });
}

/** Splits `repo[:tag][@digest]` (a registry port such as `host:5000/x` is not a tag). */
export function imageReference(image: string): {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
} {
  const [nameTag = '', digest] = image.split('@');
  const slash = nameTag.lastIndexOf('/');
  const colon = nameTag.lastIndexOf(':');
  if (colon > slash) return { repository: nameTag.slice(0, colon), tag: nameTag.slice(colon + 1), digest };
  return { repository: nameTag, tag: undefined, digest };
}

/**
 * Whether `.dockerignore` keeps `path` out of the build context: its patterns in order, `!` re-includes, `**`
 * any depth, `*` within one segment; a pattern also covers everything under a matched directory.
 */
export function dockerIgnored(path: string, dockerignore: string): boolean {
  let ignored = false;
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '');
    const source = pattern
      .split('/')
      .map((segment) =>
        segment === '**'
          ? '.*'
          : segment
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/')
      .replace(/\.\*\//g, '(?:.*/)?');
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) ignored = !negate;
  }
  return ignored;
}
