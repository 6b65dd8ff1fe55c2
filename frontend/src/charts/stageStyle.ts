// How stages look on the maps: Okabe–Ito colours plus a distinct marker shape per stage,
// so stages stay distinguishable without colour.

import type { Stage } from '../api';

export const STAGE_COLORS: Record<Stage | 'NONE', string> = {
  UPSTREAM: '#e69f00',
  MIDSTREAM: '#0072b2',
  DOWNSTREAM: '#009e73',
  END_PRODUCT: '#cc79a7',
  SERVICE: '#56b4e9',
  NONE: '#8a8f98',
};

export const STAGE_SYMBOLS: Record<Stage | 'NONE', string> = {
  UPSTREAM: 'circle',
  MIDSTREAM: 'rect',
  DOWNSTREAM: 'triangle',
  END_PRODUCT: 'diamond',
  SERVICE: 'path://M0,-10 L2.9,-3.1 10,-3.1 4.3,1.2 6.5,8.1 0,3.8 -6.5,8.1 -4.3,1.2 -10,-3.1 -2.9,-3.1Z',
  NONE: 'emptyCircle',
};

/** Light tints of the stage colours for the chain map's column backgrounds. */
export const STAGE_TINTS: Record<Stage, string> = {
  UPSTREAM: '#fbf4e6',
  MIDSTREAM: '#eaf2f9',
  DOWNSTREAM: '#e8f5f0',
  END_PRODUCT: '#f8eef4',
  SERVICE: '#edf6fc',
};
