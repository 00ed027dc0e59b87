/**
 * The same events as EVTX, XML and every JSON shape give identical rows. The events are the 40 real Sysmon EID 1 records
 * of test/fixtures/evtx/appcmd-discovery.evtx (sbousseaden/EVTX-ATTACK-SAMPLES, GPL-3.0) and their XmlWinEventLog
 * rendering by libevtx evtxexport (the DERIVED .xml.log fixture). True positives are built by placing commands in the
 * shape of Atomic Red Team T1505.004 into the CommandLine of three real appcmd.exe records, in the EVTX bytes (same
 * UTF-16 length, padded with spaces, chunk checksum resealed) and in the XML line alike; a fourth gets a near miss.
 * The JSON forms are written from the XML events in the layout of the real exports in test/fixtures/jsonl: NXLog
 * im_msvistalog, evtx_dump (pretty-printed, and with its `Record n` separators), Winlogbeat 6, and Winlogbeat 8's sysmon
 * module as one JSON array. Rows are compared for the published rule and, over all 40 events, for a wide search with the
 * 20 standard ESCU by-fields; with the raw-bytes prefilter on and off.
 */
import { describe, expect, it } from 'vitest';
import { Scan } from '../../functions/core/scan.ts';
import { WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE } from '../../functions/core/rules/windows-iis-components-add-new-module.ts';
import { ESCU_STANDARD_PROCESS_BY_FIELDS } from '../../functions/core/search/index.ts';
import type { Detection } from '../../functions/core/rules/detection.ts';
import { allForms, PLANTS } from '../support/format-variants.ts';

const WIDE: Detection = {
  ...WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE,
  id: 'format-parity-wide',
  slug: 'format_parity_wide',
  search:
    '| tstats `security_content_summariesonly` count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.process_name="*.exe" by Processes.dest Processes.user Processes.parent_process_name Processes.process_name Processes.original_file_name Processes.process Processes.process_id Processes.parent_process_id | `drop_dm_object_name(Processes)` | `security_content_ctime(firstTime)` | `security_content_ctime(lastTime)` | `format_parity_wide_filter`',
};

/** The result rows of one search over one input: every column Splunk shows, nothing that names the source. */
async function rows(bytes: Uint8Array, search: 'published' | 'wide', prefilter: boolean): Promise<Array<Record<string, unknown>>> {
  const scan = new Scan(search === 'published' ? { prefilter } : { prefilter, detections: [WIDE], byFieldsOverride: ESCU_STANDARD_PROCESS_BY_FIELDS });
  const report = await scan.scanSource({ kind: 'file', path: 'input' }, [bytes] as unknown as AsyncIterable<Uint8Array>);
  expect(report.problems).toEqual({});
  expect(report.events).toBe(40);
  return scan.findings().map(({ id: _id, detection: _d, risk: _r, evidence: _e, ...row }) => row);
}

describe('the same events as EVTX, XML and JSON give identical rows', async () => {
  const [xmlForm, ...forms] = allForms();
  const xmlBytes = (xmlForm as [string, Uint8Array])[1];

  for (const prefilter of [true, false]) {
    const xmlPublished = await rows(xmlBytes, 'published', prefilter);
    const xmlWide = await rows(xmlBytes, 'wide', prefilter);

    it(`prefilter ${prefilter ? 'on' : 'off'}: the XML form has the three planted rows and 40 wide rows (not vacuous)`, () => {
      expect(xmlPublished.map((r) => String(r.process).trim())).toEqual(expect.arrayContaining([PLANTS['5919'], PLANTS['5976'], PLANTS['5883']]));
      expect(xmlPublished).toHaveLength(3);
      // Values read off the XML lines by hand: IEWIN7, IIS APPPOOL\DefaultAppPool, parent powershell.exe.
      expect(xmlPublished.map((r) => [r.dest, r.user, r.parent_process_name, r.process_name])).toEqual(Array(3).fill(['IEWIN7', 'DefaultAppPool', 'powershell.exe', 'appcmd.exe']));
      expect(xmlWide).toHaveLength(40);
      for (const field of ['process_hash', 'process_guid', 'parent_process_guid', 'user_id', 'parent_process', 'process_integrity_level', 'process_path']) {
        expect(xmlWide.filter((r) => r[field] === 'null' || r[field] === undefined).map((r) => [field, r.process_id])).toEqual([]);
      }
    });

    it.each(forms)(`prefilter ${prefilter ? 'on' : 'off'}: %s`, async (_label, bytes) => {
      expect(await rows(bytes, 'published', prefilter)).toEqual(xmlPublished);
      expect(await rows(bytes, 'wide', prefilter)).toEqual(xmlWide);
    });
  }
});
