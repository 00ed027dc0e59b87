/**
 * A detection as data: the ESCU YAML's metadata plus its search string exactly as published. The search is compiled by
 * functions/core/search, never re-typed as code, so the rule stays auditable against Splunk's.
 */

/** ESCU detection types. */
export type DetectionType = 'TTP' | 'Anomaly' | 'Hunting' | 'Correlation';

/** One MITRE ATT&CK technique the detection maps to. */
export interface MitreTechnique {
  id: string;
  technique: string;
  tactic: string;
}

/** ESCU risk-based-alerting annotations. */
export interface RiskAnnotation {
  impact: number;
  confidence: number;
  /** impact × confidence / 100, as ESCU publishes it. */
  score: number;
  /** `$field$` placeholders are filled from the result row. */
  message: string;
  riskObjects: ReadonlyArray<{ field: string; type: 'user' | 'system' | 'other' }>;
  threatObjects: ReadonlyArray<{ field: string; type: 'process' | 'file_name' | 'other' }>;
}

/** A detection's published metadata and search. */
export interface Detection {
  id: string;
  name: string;
  /** URL-safe name used in output partitions (`detection=<slug>`), the ESCU file name without `.yml`. */
  slug: string;
  version: number;
  date: string;
  author: string;
  type: DetectionType;
  description: string;
  dataSources: readonly string[];
  mitre: readonly MitreTechnique[];
  killChainPhases: readonly string[];
  nist: readonly string[];
  cis: readonly string[];
  analyticStory: readonly string[];
  knownFalsePositives: string;
  howToImplement: string;
  references: readonly string[];
  risk: RiskAnnotation;
  /** The SPL exactly as published (the seed's Search block). */
  search: string;
}
