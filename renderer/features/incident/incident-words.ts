/** Words for incidents, shared by Incident mode, the fleet's incident marker and the header. */
import type { IncidentKind } from '../../../shared/incidents.ts';

/** What an incident is about, as a label. */
export const INCIDENT_KIND_LABEL: Record<IncidentKind, string> = {
  killed: 'Killed',
  'rolled-back': 'Rolled back',
  paused: 'Paused',
  breached: 'Guardrail breached',
};
