/**
 * ESCU "Windows IIS Components Add New Module" (38fe731c-1f13-43d4-b878-a5bbe44807e3), version 1 as published
 * (splunk/security_content detections/endpoint/windows_iis_components_add_new_module.yml; research.splunk.com). Licence: Apache-2.0.
 * The search string is byte-identical in versions 1–4 (rule-semantics.md §1.1); it is kept here exactly as published, trailing
 * spaces included, and compiled by functions/core/search.
 */
import type { Detection } from './detection.ts';

/** The detection's metadata and search, as published. */
export const WINDOWS_IIS_COMPONENTS_ADD_NEW_MODULE: Detection = Object.freeze<Detection>({
  id: '38fe731c-1f13-43d4-b878-a5bbe44807e3',
  name: 'Windows IIS Components Add New Module',
  slug: 'windows_iis_components_add_new_module',
  version: 1,
  date: '2022-12-19',
  author: 'Michael Haag, Splunk',
  type: 'Anomaly',
  description:
    "The following analytic identifies the process AppCmd.exe installing a new module into IIS. AppCmd is a utility to manage IIS web sites and App Pools. An adversary may run this command to install a webshell or backdoor. This has been found to be used for credit card scraping, persistence, and further post-exploitation. An administrator may run this to install new modules for a web site or during IIS updates.",
  dataSources: ['Sysmon Event ID 1'],
  mitre: [
    { id: 'T1505', technique: 'Server Software Component', tactic: 'Persistence' },
    { id: 'T1505.004', technique: 'IIS Components', tactic: 'Persistence' },
  ],
  killChainPhases: ['Installation'],
  nist: ['DE.CM'],
  cis: ['CIS 3', 'CIS 5', 'CIS 16'],
  analyticStory: ['IIS Components'],
  knownFalsePositives: 'False positives may be present until properly tuned. Filter as needed.',
  howToImplement:
    "Tune the analytic for your environment by filtering by known good modules or processes. Enable as TTP once the volume is low enough. To successfully implement this search you need to be ingesting information on process that include the name of the process responsible for the changes from your endpoints into the `Endpoint` datamodel in the `Processes` node. In addition, confirm the latest CIM App 4.20 or higher is installed and the latest TA for the endpoint product.",
  references: [
    "https://www.microsoft.com/en-us/security/blog/2022/12/12/iis-modules-the-evolution-of-web-shells-and-how-to-detect-them/",
    "https://www.crowdstrike.com/wp-content/uploads/2022/05/crowdstrike-iceapple-a-novel-internet-information-services-post-exploitation-framework-1.pdf",
    "https://unit42.paloaltonetworks.com/unit42-oilrig-uses-rgdoor-iis-backdoor-targets-middle-east/",
    "https://www.secureworks.com/research/bronze-union",
    "https://github.com/redcanaryco/atomic-red-team/tree/master/atomics/T1505.004",
    "https://strontic.github.io/xcyclopedia/library/appcmd.exe-055B2B09409F980BF9B5A3969D01E5B2.html",
  ],
  risk: {
    impact: 80,
    confidence: 80,
    score: 64,
    message:
      "An instance of $parent_process_name$ spawning $process_name$ was identified on endpoint $dest$ by user $user$ attempting to install a new IIS module.",
    // ESCU v1 observables: user and dest are the victims (risk objects); the two process names are the attacker side.
    riskObjects: [
      { field: 'user', type: 'user' },
      { field: 'dest', type: 'system' },
    ],
    threatObjects: [
      { field: 'parent_process_name', type: 'process' },
      { field: 'process_name', type: 'process' },
    ],
  },
  search:
    "\n| tstats `security_content_summariesonly` count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where NOT (Processes.parent_process_name  IN (\"msiexec.exe\", \"iissetup.exe\")) Processes.process_name=appcmd.exe Processes.process IN (\"*install *\", \"*module *\") AND Processes.process=\"*image*\" by Processes.dest Processes.user Processes.parent_process_name Processes.process_name Processes.original_file_name Processes.process Processes.process_id Processes.parent_process_id \n| `drop_dm_object_name(Processes)` \n| `security_content_ctime(firstTime)` \n| `security_content_ctime(lastTime)` \n| `windows_iis_components_add_new_module_filter`\n",
});
