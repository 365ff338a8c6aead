/**
 * The example the embedded provider starts with, so the control room is useful
 * on first start: an AI feature mid-rollout with all four layers set (and a
 * believable history), plus ordinary boolean and multivariate flags.
 */
import type { FlagKind, FlagLayers, LayerChange, Variant } from '../../../../shared/domain.ts';

/** A flag of the seed data in one environment. */
export interface SeedFlag {
  environment: string;
  key: string;
  name: string;
  description: string;
  kind: FlagKind;
  layers: FlagLayers;
  variants: Variant[];
}

/** A history event of the seed data: a change of one flag `hoursAgo` hours before the seeding. */
export interface SeedEvent {
  /** Hours before "now". */
  hoursAgo: number;
  actor: string;
  environment: string;
  key: string;
  type: string;
  changes: LayerChange[];
}

const layers = (l: Partial<FlagLayers>): FlagLayers => ({
  enabled: true,
  rolloutPercent: null,
  confidenceThreshold: null,
  modelVersion: null,
  allowList: [],
  blockList: [],
  ...l,
});

const aiVariants = (control: string, treatment: string, rollout: number): Variant[] => [
  { key: 'control', value: { modelVersion: control }, weightPercent: 100 - rollout },
  { key: 'treatment', value: { modelVersion: treatment }, weightPercent: rollout },
];

/** The AI flag the rest of the product (simulator, rollouts) points at. */
export const SEED_AI_FLAG_KEY = 'ai-answer-assist';

/** The flags the embedded provider starts with: the AI flag mid-rollout plus ordinary ones. */
export const SEED_FLAGS: readonly SeedFlag[] = [
  {
    environment: 'production',
    key: SEED_AI_FLAG_KEY,
    name: 'AI answer assist',
    description: 'Suggests an AI-drafted answer in the support inbox; falls back to the template picker.',
    kind: 'ai',
    layers: layers({
      rolloutPercent: 10,
      confidenceThreshold: 0.7,
      modelVersion: 'v2.4',
      allowList: ['qa-team-lead', 'pm-ana'],
      blockList: ['enterprise-acme-42'],
    }),
    variants: aiVariants('v2.3', 'v2.4', 10),
  },
  {
    environment: 'staging',
    key: SEED_AI_FLAG_KEY,
    name: 'AI answer assist',
    description: 'Suggests an AI-drafted answer in the support inbox; falls back to the template picker.',
    kind: 'ai',
    layers: layers({ rolloutPercent: 100, confidenceThreshold: 0.6, modelVersion: 'v2.4' }),
    variants: aiVariants('v2.3', 'v2.4', 100),
  },
  {
    environment: 'production',
    key: 'ai-smart-summaries',
    name: 'AI smart summaries',
    description: 'Summarises long ticket threads with the summariser model.',
    kind: 'ai',
    layers: layers({ rolloutPercent: 25, confidenceThreshold: 0.8, modelVersion: 'sum-1.2' }),
    variants: aiVariants('sum-1.1', 'sum-1.2', 25),
  },
  {
    environment: 'production',
    key: 'search-ranking-model',
    name: 'Search ranking model',
    description: 'Which ranking model orders help-centre search results.',
    kind: 'multivariate',
    layers: layers({ rolloutPercent: 40, modelVersion: 'rank-b' }),
    variants: [
      { key: 'rank-a', value: 'rank-a', weightPercent: 60 },
      { key: 'rank-b', value: 'rank-b', weightPercent: 40 },
    ],
  },
  {
    environment: 'production',
    key: 'new-checkout-flow',
    name: 'New checkout flow',
    description: 'The redesigned three-step checkout.',
    kind: 'boolean',
    layers: layers({ rolloutPercent: 50 }),
    variants: [],
  },
  {
    environment: 'production',
    key: 'legacy-export',
    name: 'Legacy CSV export',
    description: 'Old export endpoint, kept off while the new one is verified.',
    kind: 'boolean',
    layers: layers({ enabled: false }),
    variants: [],
  },
];

const c = (layer: LayerChange['layer'], before: unknown, after: unknown): LayerChange => ({
  layer,
  before,
  after,
});

/** History that explains how the seeded AI flag got where it is. */
export const SEED_EVENTS: readonly SeedEvent[] = [
  {
    hoursAgo: 24 * 9,
    actor: 'pm-ana',
    environment: 'production',
    key: SEED_AI_FLAG_KEY,
    type: 'flag-created',
    changes: [],
  },
  {
    hoursAgo: 24 * 8,
    actor: 'pm-ana',
    environment: 'production',
    key: SEED_AI_FLAG_KEY,
    type: 'layers-updated',
    changes: [
      c('rolloutPercent', 0, 1),
      c('modelVersion', null, 'v2.3'),
      c('confidenceThreshold', null, 0.65),
    ],
  },
  {
    hoursAgo: 24 * 5,
    actor: 'pm-ana',
    environment: 'production',
    key: SEED_AI_FLAG_KEY,
    type: 'layers-updated',
    changes: [c('rolloutPercent', 1, 5)],
  },
  {
    hoursAgo: 24 * 2,
    actor: 'ds-omar',
    environment: 'production',
    key: SEED_AI_FLAG_KEY,
    type: 'layers-updated',
    changes: [c('modelVersion', 'v2.3', 'v2.4'), c('confidenceThreshold', 0.65, 0.7)],
  },
  {
    hoursAgo: 6,
    actor: 'pm-ana',
    environment: 'production',
    key: SEED_AI_FLAG_KEY,
    type: 'layers-updated',
    changes: [c('rolloutPercent', 5, 10)],
  },
];
