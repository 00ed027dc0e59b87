/** The detections this build runs. Add a rule by adding its file and listing it here. */
import type { Detection } from './detection.ts';
import { WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE } from './windows-iis-components-add-new-module.ts';

/** Every detection, in output order. */
export const DETECTIONS: readonly Detection[] = Object.freeze([WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE]);
