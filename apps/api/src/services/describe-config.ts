import {
  activationLabel,
  DEFAULT_KEEP_FLOAT,
  DEFAULT_PQ_FINETUNE_EPOCHS,
  keepFloatLabel,
  type Quantization,
  type RunConfig,
  resolveCrembo,
  type SyntheticData,
  smhLabel,
} from '@distillery/spec';

/** One shown fact of a configuration and the config path it shows. */
type Part = [path: string, text: string];

/** The description's sections (joined by ` · `), each a list of parts (joined by spaces). */
function sections(config: RunConfig): Part[][] {
  if (config.kind === 'synthesize') {
    return [[['kind', config.kind]], dataParts(config.data), [['dataset', config.dataset.name]]];
  }
  const m = config.model;
  if (m.family === 'imported') {
    return [
      [
        ['kind', config.kind],
        ['model.family', 'imported'],
      ],
      [['dataset', config.dataset.name]],
    ];
  }
  const model: Part[] = [
    ['kind', config.kind],
    ['model.family', m.family],
    m.family === 'mlp'
      ? ['model.hidden', m.hidden.join('-')]
      : ['model.channels', `${m.channels.join('-')}/${m.dense.join('-')}`],
    ['model.activation', activationLabel(m.activation)],
  ];
  if (m.batchNorm) model.push(['model.batchNorm', 'bn']);
  if (m.smh) model.push(['model.smh', smhLabel(m.smh)]);
  const d = config.distill;
  const distill: Part[] =
    d === null
      ? []
      : d.method === 'crembo'
        ? [
            ['distill.method', 'crembo'],
            ['distill.thresholds', `${resolveCrembo(d).thresholds} thresholds`],
            ...(resolveCrembo(d).loss === 'bce' ? [] : [['distill.loss', `loss=${resolveCrembo(d).loss}`] as Part]),
          ]
        : [
            ['distill.temperature', `T=${d.temperature}`],
            ['distill.alpha', `α=${d.alpha}`],
          ];
  const quantize: Part[] =
    config.quantize === null
      ? []
      : [
          ...quantizationParts(config.quantize),
          // Only when not the default, as in run labels: `ptq 8-bit keepFloat=first-last`.
          ...(config.quantize.keepFloat === DEFAULT_KEEP_FLOAT
            ? []
            : [['quantize.keepFloat', `keepFloat=${keepFloatLabel(config.quantize.keepFloat)}`] as Part]),
        ];
  const p = config.prune;
  const prune: Part[] =
    p === undefined
      ? []
      : [
          ['prune.method', p.method],
          ['prune.sparsity', `${Math.round(p.sparsity * 1000) / 10}%`],
          ['prune.rounds', `${p.rounds} rounds`],
          ['prune.retrainEpochs', `retrain ${p.retrainEpochs}`],
          ...(p.method === 'surp' ? [['prune.alpha', `α=${p.alpha}`] as Part] : []),
        ];
  const data = 'data' in config && config.data ? dataParts(config.data) : [];
  return [model, distill, data, prune, quantize, [['dataset', config.dataset.name]]];
}

/** `synthetic bns 10000`: where a run's training inputs came from, when not the training split. */
function dataParts(d: SyntheticData): Part[] {
  return [
    ['data.source', d.source],
    ['data.method', d.method],
    ['data.samples', `${d.samples}`],
  ];
}

/** `ptq 8-bit`, `qat 4-bit noise=0.1`, `pq k=64 bs=8 noise=0.1`, each part with its config path. */
function quantizationParts(q: Quantization): Part[] {
  if (q.method === 'pq') {
    return [
      ['quantize.method', 'pq'],
      ['quantize.centroids', `k=${q.centroids}`],
      ['quantize.blockSize', `bs=${q.blockSize}`],
      ['quantize.noise', `noise=${q.noise}`],
      ...(q.finetuneEpochs === DEFAULT_PQ_FINETUNE_EPOCHS
        ? []
        : [['quantize.finetuneEpochs', `finetune=${q.finetuneEpochs}`] as Part]),
    ];
  }
  return [
    ['quantize.method', q.method],
    ['quantize.bits', `${q.bits}-bit`],
    ...(q.noise === undefined ? [] : [['quantize.noise', `noise=${q.noise}`] as Part]),
  ];
}

function overlaps(path: string, omit: string): boolean {
  return path === omit || path.startsWith(`${omit}.`) || omit.startsWith(`${path}.`);
}

/**
 * A short readable summary of a run configuration without its seed: `student mlp 16-16 lma-8 bn · T=2 α=0.7 ·
 * ptq 8-bit · mnist`. With `omit`, the parts showing those config paths (or paths inside them) are left out: what
 * two configurations compared along a path share.
 */
export function describeConfig(config: RunConfig, omit: string | readonly string[] = []): string {
  const omitted = typeof omit === 'string' ? [omit] : omit;
  return sections(config)
    .map((parts) =>
      parts
        .filter(([path]) => !omitted.some((o) => overlaps(path, o)))
        .map(([, text]) => text)
        .join(' '),
    )
    .filter((s) => s !== '')
    .join(' · ');
}
