import type { NeType } from '../core/model.js';
import type { MatrixPort, MatrixRow } from './types.js';

/**
 * The vendor's expected port matrix (seed "PSM Networking Considerations", Tables 1-8) as data.
 * One seed row becomes one row here, or several when its ports differ per NE type; `application`
 * keeps the seed's text so a reader can find the row in the vendor document. Where the seed leaves
 * room for reading, the row's `decision` says how we read it (docs/matrix.md lists them all).
 */

// ---------------------------------------------------------------------------------------------
// Port sets used by more than one row
// ---------------------------------------------------------------------------------------------

const FTP_DATA_UNTESTABLE =
  'TCP 20 is the FTP server\'s source port for active-mode data connections: the server connects from it ' +
  'to the client, nothing listens on it, so connecting to it proves nothing. Port 21 is probed instead.';

/** FTP: 20 (active-mode data, not testable) and 21 (control, probed with `ftp`). */
const FTP_PORTS: readonly MatrixPort[] = [
  { port: 20, probe: null, untestableWhy: FTP_DATA_UNTESTABLE },
  { port: 21, portKey: 'ftp', probe: 'ftp' },
];

const FTP_DECISION =
  'TCP 20 is listed as a port but is only the server-side source of active-mode data connections: ' +
  'it is kept as an untestable port; 21 is probed with the ftp probe.';

const SFTP_PORTS: readonly MatrixPort[] = [{ port: 22, portKey: 'ssh', probe: 'ssh' }];

/** Table 4's CLI ports per NE type; Table 3 ("See Table 4") uses the same. */
const CLI_PORTS: Readonly<Record<NeType, readonly MatrixPort[]>> = {
  bti7800: [{ port: 22, portKey: 'cli-ssh', probe: 'ssh' }],
  'juniper-mx': [{ port: 22, portKey: 'cli-ssh', probe: 'ssh' }],
  bti700: [{ port: 23, portKey: 'cli-telnet', probe: 'telnet' }],
  bti800: [{ port: 23, portKey: 'cli-telnet', probe: 'telnet' }],
  bti7000: [
    { port: 3084, portKey: 'cli-telnet', probe: 'telnet' },
    { port: 8022, portKey: 'cli-ssh', probe: 'ssh' },
  ],
};

/**
 * Table 4's TL1 ports. The seed names no NE type for them: all four belong to the BTI7000 (the
 * TL1-managed family); the BTI7800 offers only 3083 (TL1 over telnet, Table 8).
 * The port keys name the standard TL1 ports (3022 SSH, 3083 telnet); the proNX 900 variants
 * 3021/3082 are fixed, since one key can override only one port.
 */
const TL1_PORTS_BTI7000: readonly MatrixPort[] = [
  { port: 3021, probe: 'ssh' },
  { port: 3022, portKey: 'tl1-ssh', probe: 'ssh' },
  { port: 3082, probe: 'tl1' },
  { port: 3083, portKey: 'tl1-telnet', probe: 'tl1' },
];
const TL1_PORTS_BTI7800: readonly MatrixPort[] = [{ port: 3083, portKey: 'tl1-telnet', probe: 'tl1' }];

const TL1_DECISION_BTI7000 =
  'TL1 ports are listed without NE types: we apply all four (3021/3022 SSH, 3082/3083 telnet) to the ' +
  'BTI7000. 3021 and 3082 are marked "used by proNX 900" but kept: the vendor tables give no other ports. ' +
  'SSH ports are probed with ssh, telnet ports with the tl1 probe. BTI700/BTI800/Juniper MX have no TL1 row.';
const TL1_DECISION_BTI7800 =
  'The BTI7800 offers only TL1 over telnet on 3083 (Table 8), so only that port applies to it.';

const CLI_DECISION = (neType: NeType): string =>
  `The vendor table says "See Table 4": the ${neType} uses Table 4's CLI ports for its type.`;

const NE_AS_CLIENT_OF_REMOTE_SERVER =
  'Table 8 names the remote side "remote server/host": we map it to the host role offering the service; ' +
  'no condition, since a host with that role in the inventory is the condition.';

const T8_DUPLICATES_T3 =
  'Duplicates a Table 3/4 row for the BTI7800 on purpose, so Table 8 stands complete; the planner merges ' +
  'probes with the same target, port and probe. Initiator: the PSM server ("management systems").';

// ---------------------------------------------------------------------------------------------
// Table 1: PSM client to PSM server
// ---------------------------------------------------------------------------------------------

const TABLE_1: readonly MatrixRow[] = [
  {
    id: 't1-ftp',
    table: 1,
    application: 'FTP',
    description: 'File transfer between a PSM client and the PSM server.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: FTP_PORTS,
    expect: 'open',
    decision:
      FTP_DECISION +
      ' Unlike Table 3, the vendor table does not make this row depend on the FTP service, so it has no condition.',
  },
  {
    id: 't1-ssh',
    table: 1,
    application: 'SSH, SCP, SFTP',
    description: 'Secure shell, server administration and secure file transfer.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: 22, portKey: 'ssh', probe: 'ssh' }],
    expect: 'open',
  },
  {
    id: 't1-monit',
    table: 1,
    application: 'Monit Web GUI',
    description: 'Monit web interface that monitors the PSM server.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: 2812, portKey: 'monit', probe: 'http' }],
    expect: 'open',
  },
  {
    id: 't1-mysql',
    table: 1,
    application: 'MySQL (support)',
    description: 'MySQL access for troubleshooting.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: 3306, portKey: 'mysql', probe: 'mysql' }],
    expect: 'open',
  },
  {
    id: 't1-graphite',
    table: 1,
    application: 'Graphite web interface',
    description: 'Graphite web interface for historical performance monitoring.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: 8080, portKey: 'graphite', probe: 'http' }],
    expect: 'open',
  },
  {
    id: 't1-dashboard',
    table: 1,
    application: 'proNX Service Manager Dashboard',
    description: 'The PSM dashboard.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: 9000, portKey: 'dashboard', probe: 'http' }],
    expect: 'open',
  },
  {
    id: 't1-jmx',
    table: 1,
    application: 'JMX (support)',
    description: 'JMX access for troubleshooting.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: 9520, portKey: 'jmx', probe: 'tcp' }],
    expect: 'open',
    decision: 'JMX/RMI has no probe of its own: a TCP handshake is the proof.',
  },
  {
    id: 't1-rest',
    table: 1,
    application: 'PSM REST WS',
    description: 'The REST web service the PSM client uses over HTTPS.',
    initiator: 'psm-client',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: 9998, portKey: 'rest', probe: 'http', probeOptions: { scheme: 'https' } }],
    expect: 'open',
    decision: 'Probed with the http probe over HTTPS (the vendor table: "normal HTTPS communication"), also when the port is moved.',
  },
  {
    id: 't1-rest-notification',
    table: 1,
    application: 'PSM REST Notification WS',
    description: 'Notifications the PSM server pushes to the PSM client.',
    initiator: 'psm-server',
    responder: 'psm-client',
    transport: 'tcp',
    ports: [{ port: { from: 9999, to: 10100 }, portKey: 'rest-notification', probe: 'tcp' }],
    expect: 'reachable',
    decision:
      'Protocol roles are reversed in this row: the PSM client listens on 9999-10100 and the PSM server ' +
      'connects to it. The vendor table does not say which port of the range a client binds, so the whole range ' +
      'is probed with tcp; a port nothing listens on answers RST, which still shows the firewall lets it through: ' +
      'hence `expect: reachable`.',
  },
];

// ---------------------------------------------------------------------------------------------
// Table 2: PSM server to PSM server
// ---------------------------------------------------------------------------------------------

const TABLE_2: readonly MatrixRow[] = [
  {
    id: 't2-replication',
    table: 2,
    application: 'Server Replication',
    description: 'Replication messages between PSM servers.',
    initiator: 'psm-server',
    responder: 'psm-server',
    transport: 'tcp',
    ports: [{ port: { from: 9999, to: 10100 }, portKey: 'replication', probe: 'tcp' }],
    expect: 'reachable',
    decision:
      'Applies between every pair of distinct PSM servers, both directions. The range is probed with tcp; ' +
      'the vendor table does not say which ports of the range are bound, so a refusal proves the path as well as an ' +
      'answer (`expect: reachable`).',
  },
];

// ---------------------------------------------------------------------------------------------
// Table 3: PSM server to network element
// ---------------------------------------------------------------------------------------------

const TABLE_3: readonly MatrixRow[] = [
  {
    id: 't3-icmp',
    table: 3,
    application: 'ICMP',
    description: 'Ping from the PSM server to check that the NE is reachable.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'icmp',
    ports: [],
    expect: 'open',
  },
  {
    id: 't3-netconf-bti7800',
    table: 3,
    application: 'NETCONF',
    description: 'NETCONF session of the PSM server with a BTI7800.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: [{ port: 2022, portKey: 'netconf', probe: 'netconf' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: 'NETCONF ports differ per NE type; the vendor tables name only the BTI7800 (2022) and the Juniper MX (830).',
  },
  {
    id: 't3-netconf-juniper-mx',
    table: 3,
    application: 'NETCONF',
    description: 'NETCONF session of the PSM server with a Juniper MX router.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: [{ port: 830, portKey: 'netconf', probe: 'netconf' }],
    neTypes: ['juniper-mx'],
    expect: 'open',
    decision: 'NETCONF ports differ per NE type; BTI7000/BTI700/BTI800 have no NETCONF row.',
  },
  {
    id: 't3-cli-bti7800',
    table: 3,
    application: 'CLI',
    description: 'CLI access (over SSH) run from the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti7800,
    neTypes: ['bti7800'],
    expect: 'open',
    decision: CLI_DECISION('bti7800'),
  },
  {
    id: 't3-cli-juniper-mx',
    table: 3,
    application: 'CLI',
    description: 'CLI access (over SSH) run from the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS['juniper-mx'],
    neTypes: ['juniper-mx'],
    expect: 'open',
    decision: CLI_DECISION('juniper-mx'),
  },
  {
    id: 't3-cli-bti7000',
    table: 3,
    application: 'CLI',
    description: 'CLI access (telnet and SSH) run from the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti7000,
    neTypes: ['bti7000'],
    expect: 'open',
    decision: CLI_DECISION('bti7000'),
  },
  {
    id: 't3-cli-bti700',
    table: 3,
    application: 'CLI',
    description: 'CLI access (over telnet) run from the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti700,
    neTypes: ['bti700'],
    expect: 'open',
    decision: CLI_DECISION('bti700'),
  },
  {
    id: 't3-cli-bti800',
    table: 3,
    application: 'CLI',
    description: 'CLI access (over telnet) run from the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti800,
    neTypes: ['bti800'],
    expect: 'open',
    decision: CLI_DECISION('bti800'),
  },
  {
    id: 't3-tl1-bti7000',
    table: 3,
    application: 'TL1',
    description: 'TL1 access run from the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: TL1_PORTS_BTI7000,
    neTypes: ['bti7000'],
    expect: 'open',
    decision: 'The vendor table says "See Table 4". ' + TL1_DECISION_BTI7000,
  },
  {
    id: 't3-tl1-bti7800',
    table: 3,
    application: 'TL1',
    description: 'TL1 access run from the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: TL1_PORTS_BTI7800,
    neTypes: ['bti7800'],
    expect: 'open',
    decision: 'The vendor table says "See Table 4". ' + TL1_DECISION_BTI7800,
  },
  {
    id: 't3-snmp',
    table: 3,
    application: 'SNMP',
    description: 'SNMP polling of the NE by the PSM server.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'udp',
    ports: [{ port: 161, portKey: 'snmp', probe: 'snmp' }],
    expect: 'open',
  },
  {
    id: 't3-ftp',
    table: 3,
    application: 'FTP',
    description: 'NE backup, restore and software upgrade using the FTP server on the PSM server.',
    initiator: 'network-element',
    responder: 'psm-server',
    transport: 'tcp',
    ports: FTP_PORTS,
    condition: 'ftp',
    expect: 'open',
    decision: FTP_DECISION + ' Only when the PSM server declares the ftp service.',
  },
  {
    id: 't3-ftp-external',
    table: 3,
    application: 'FTP',
    description: 'NE backup, restore and software upgrade using an external FTP server.',
    initiator: 'network-element',
    responder: 'ftp-server',
    transport: 'tcp',
    ports: FTP_PORTS,
    expect: 'open',
    decision:
      'From the vendor sentence "If an external FTP server is used, then the NEs will need access to those ports ' +
      'on the external FTP server" (Tables 3 and 4 both say it; one row covers both). No condition: an ftp-server ' +
      'host in the inventory is the condition. For the BTI7800 it duplicates t8-ftp; the planner merges them. ' +
      FTP_DECISION,
  },
  {
    id: 't3-sftp',
    table: 3,
    application: 'SFTP',
    description: 'NE backup, restore and software upgrade using the SFTP server on the PSM server.',
    initiator: 'network-element',
    responder: 'psm-server',
    transport: 'tcp',
    ports: SFTP_PORTS,
    condition: 'sftp',
    expect: 'open',
  },
  {
    id: 't3-sftp-external',
    table: 3,
    application: 'SFTP',
    description: 'NE backup, restore and software upgrade using an external SFTP server.',
    initiator: 'network-element',
    responder: 'sftp-server',
    transport: 'tcp',
    ports: SFTP_PORTS,
    expect: 'open',
    decision:
      'From the vendor sentence "If an external SFTP server is used, then the NEs will need access to those ports ' +
      'on the external SFTP server" (Tables 3 and 4 both say it; one row covers both). No condition: an sftp-server ' +
      'host in the inventory is the condition. For the BTI7800 it duplicates t8-sftp; the planner merges them.',
  },
  {
    id: 't3-ntp',
    table: 3,
    application: 'NTP',
    description: 'Time service of the PSM server for the NEs.',
    initiator: 'network-element',
    responder: 'psm-server',
    transport: 'udp',
    ports: [{ port: 123, portKey: 'ntp', probe: 'ntp' }],
    condition: 'ntp',
    expect: 'open',
    decision:
      'Table 3 gives the NE an ephemeral source port; Table 8 says the BTI7800 sends from 123. That applies when ' +
      'the PSM server also has the ntp-server role (then t8-ntp covers it).',
  },
  {
    id: 't3-snmp-traps',
    table: 3,
    application: 'SNMP',
    description: 'SNMP notifications from the NEs to the PSM server.',
    initiator: 'network-element',
    responder: 'psm-server',
    transport: 'udp',
    ports: [
      { port: 162, portKey: 'snmp-trap', probe: 'snmp-inform' },
      { port: 1620, probe: 'snmp-inform' },
    ],
    expect: 'open',
    decision:
      'The vendor table names no NE type per port, so both 162 and 1620 apply to every NE type. The port key overrides ' +
      '162; 1620 is fixed. Traps are unacknowledged, so an inform proves the receiver.',
  },
  {
    id: 't3-radius',
    table: 3,
    application: 'RADIUS',
    description: 'Authentication of NE logins against the RADIUS server on the PSM server.',
    initiator: 'network-element',
    responder: 'psm-server',
    transport: 'udp',
    ports: [
      { port: 1812, portKey: 'radius-auth', probe: 'radius' },
      { port: 1813, portKey: 'radius-acct', probe: 'radius' },
    ],
    condition: 'radius',
    expect: 'open',
  },
];

// ---------------------------------------------------------------------------------------------
// Table 4: PSM client to network element (includes proNX 900 on the client machine)
// ---------------------------------------------------------------------------------------------

const TABLE_4: readonly MatrixRow[] = [
  {
    id: 't4-icmp',
    table: 4,
    application: 'ICMP',
    description: 'Ping from proNX 900 on the PSM client to check that the NE is reachable.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'icmp',
    ports: [],
    expect: 'open',
  },
  {
    id: 't4-snmp',
    table: 4,
    application: 'SNMP',
    description: 'SNMP polling of the NE by proNX 900 on the PSM client.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'udp',
    ports: [{ port: 161, portKey: 'snmp', probe: 'snmp' }],
    expect: 'open',
  },
  {
    id: 't4-cli-bti7800',
    table: 4,
    application: 'CLI',
    description: 'CLI access over SSH from the PSM client.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti7800,
    neTypes: ['bti7800'],
    expect: 'open',
  },
  {
    id: 't4-cli-juniper-mx',
    table: 4,
    application: 'CLI',
    description: 'CLI access over SSH from the PSM client.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS['juniper-mx'],
    neTypes: ['juniper-mx'],
    expect: 'open',
  },
  {
    id: 't4-cli-bti7000',
    table: 4,
    application: 'CLI',
    description: 'CLI access over telnet and SSH from the PSM client.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti7000,
    neTypes: ['bti7000'],
    expect: 'open',
  },
  {
    id: 't4-cli-bti700',
    table: 4,
    application: 'CLI',
    description: 'CLI access over telnet from the PSM client.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti700,
    neTypes: ['bti700'],
    expect: 'open',
  },
  {
    id: 't4-cli-bti800',
    table: 4,
    application: 'CLI',
    description: 'CLI access over telnet from the PSM client.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: CLI_PORTS.bti800,
    neTypes: ['bti800'],
    expect: 'open',
  },
  {
    id: 't4-tl1-bti7000',
    table: 4,
    application: 'TL1',
    description: 'TL1 access from the PSM client and proNX 900.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: TL1_PORTS_BTI7000,
    neTypes: ['bti7000'],
    expect: 'open',
    decision: TL1_DECISION_BTI7000,
  },
  {
    id: 't4-tl1-bti7800',
    table: 4,
    application: 'TL1',
    description: 'TL1 access from the PSM client.',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: TL1_PORTS_BTI7800,
    neTypes: ['bti7800'],
    expect: 'open',
    decision: TL1_DECISION_BTI7800,
  },
  {
    id: 't4-shell',
    table: 4,
    application: 'Shell',
    description: 'Access to the BTI7800 operating system shell (SSH).',
    initiator: 'psm-client',
    responder: 'network-element',
    transport: 'tcp',
    ports: [{ port: 2024, portKey: 'shell', probe: 'ssh' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: 'The vendor table describes this as the BTI7800 shell: BTI7800 only. It is SSH (Table 8), probed with ssh.',
  },
  {
    id: 't4-ftp',
    table: 4,
    application: 'FTP',
    description: 'NE backup, restore and software upgrade using the FTP server on a PSM client.',
    initiator: 'network-element',
    responder: 'psm-client',
    transport: 'tcp',
    ports: FTP_PORTS,
    condition: 'ftp',
    expect: 'open',
    decision:
      FTP_DECISION +
      ' Only when the PSM client declares the ftp service. The external-FTP-server sentence is covered by t3-ftp-external.',
  },
  {
    id: 't4-sftp',
    table: 4,
    application: 'SFTP',
    description: 'NE backup, restore and software upgrade using the SFTP server on a PSM client.',
    initiator: 'network-element',
    responder: 'psm-client',
    transport: 'tcp',
    ports: SFTP_PORTS,
    condition: 'sftp',
    expect: 'open',
    decision:
      'Only when the PSM client declares the sftp service. The external-SFTP-server sentence is covered by t3-sftp-external.',
  },
];

// ---------------------------------------------------------------------------------------------
// Table 5: PSM server to Network Operations Center
// ---------------------------------------------------------------------------------------------

const TABLE_5: readonly MatrixRow[] = [
  {
    id: 't5-snmp-traps',
    table: 5,
    application: 'SNMP',
    description: 'Northbound SNMP traps from the PSM server to the NOC (e.g. HP OpenView).',
    initiator: 'psm-server',
    responder: 'noc',
    transport: 'udp',
    ports: [{ port: 162, portKey: 'snmp-trap', probe: 'snmp-inform' }],
    expect: 'open',
    decision:
      'Traps are unacknowledged, so an inform proves the receiver; a NOC that ignores informs leaves the ' +
      'result open|filtered.',
  },
];

// ---------------------------------------------------------------------------------------------
// Table 6: PSM server to external RADIUS server
// ---------------------------------------------------------------------------------------------

const TABLE_6: readonly MatrixRow[] = [
  {
    id: 't6-radius',
    table: 6,
    application: 'RADIUS',
    description: 'Authentication of PSM server logins against an external RADIUS server.',
    initiator: 'psm-server',
    responder: 'radius-server',
    transport: 'udp',
    ports: [
      { port: 1812, portKey: 'radius-auth', probe: 'radius' },
      { port: 1813, portKey: 'radius-acct', probe: 'radius' },
    ],
    expect: 'open',
    decision: '"Only required if an external RADIUS server is used": a radius-server host in the inventory is the condition.',
  },
];

// ---------------------------------------------------------------------------------------------
// Table 7: PSM server to other hosts
// ---------------------------------------------------------------------------------------------

const TABLE_7: readonly MatrixRow[] = [
  {
    id: 't7-ftp',
    table: 7,
    application: 'FTP',
    description: 'NE backup, restore and software upgrade through an external FTP server.',
    initiator: 'psm-server',
    responder: 'ftp-server',
    transport: 'tcp',
    ports: FTP_PORTS,
    expect: 'open',
    decision: FTP_DECISION + ' An ftp-server host in the inventory is the condition.',
  },
  {
    id: 't7-sftp',
    table: 7,
    application: 'SFTP',
    description: 'NE backup, restore and software upgrade through an external SFTP server.',
    initiator: 'psm-server',
    responder: 'sftp-server',
    transport: 'tcp',
    ports: SFTP_PORTS,
    expect: 'open',
    decision: 'An sftp-server host in the inventory is the condition.',
  },
  {
    id: 't7-dns',
    table: 7,
    application: 'DNS',
    description: 'Name lookups of the hosts under management.',
    initiator: 'psm-server',
    responder: 'dns-server',
    transport: 'udp',
    ports: [{ port: 53, portKey: 'dns', probe: 'dns' }],
    expect: 'open',
  },
  {
    id: 't7-http',
    table: 7,
    application: 'HTTP',
    description: 'Access to web services.',
    initiator: 'psm-server',
    responder: 'http-server',
    transport: 'tcp',
    ports: [{ port: 80, portKey: 'http', probe: 'http' }],
    expect: 'open',
  },
  {
    id: 't7-ntp',
    table: 7,
    application: 'NTP',
    description: 'Time synchronisation of the PSM server with NTP servers.',
    initiator: 'psm-server',
    responder: 'ntp-server',
    transport: 'udp',
    ports: [{ port: 123, portKey: 'ntp', probe: 'ntp' }],
    expect: 'open',
  },
];

// ---------------------------------------------------------------------------------------------
// Table 8: BTI7800 port usage
// ---------------------------------------------------------------------------------------------

const TABLE_8: readonly MatrixRow[] = [
  // The BTI7800 as the client of a remote server/host.
  {
    id: 't8-ftp',
    table: 8,
    application: 'FTP',
    description: 'BTI7800 software upgrades, log rotation and other file transfers to an FTP server.',
    initiator: 'network-element',
    responder: 'ftp-server',
    transport: 'tcp',
    ports: FTP_PORTS,
    neTypes: ['bti7800'],
    expect: 'open',
    decision: NE_AS_CLIENT_OF_REMOTE_SERVER + ' ' + FTP_DECISION,
  },
  {
    id: 't8-sftp',
    table: 8,
    application: 'SFTP, SCP',
    description: 'BTI7800 software upgrades, log rotation and other file transfers to an SFTP/SCP server.',
    initiator: 'network-element',
    responder: 'sftp-server',
    transport: 'tcp',
    ports: SFTP_PORTS,
    neTypes: ['bti7800'],
    expect: 'open',
    decision: NE_AS_CLIENT_OF_REMOTE_SERVER,
  },
  {
    id: 't8-dns',
    table: 8,
    application: 'DNS',
    description: 'Name resolution by the BTI7800.',
    initiator: 'network-element',
    responder: 'dns-server',
    transport: 'udp',
    ports: [{ port: 53, portKey: 'dns', probe: 'dns' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: NE_AS_CLIENT_OF_REMOTE_SERVER,
  },
  {
    id: 't8-ntp',
    table: 8,
    application: 'NTP',
    description: 'Time synchronisation of the BTI7800.',
    initiator: 'network-element',
    responder: 'ntp-server',
    transport: 'udp',
    ports: [{ port: 123, portKey: 'ntp', probe: 'ntp' }],
    initiatorPort: 123,
    neTypes: ['bti7800'],
    expect: 'open',
    decision:
      NE_AS_CLIENT_OF_REMOTE_SERVER +
      ' The BTI7800 sends from UDP 123 (symmetric), so a firewall must allow 123->123.',
  },
  {
    id: 't8-snmp-trap-psm-server',
    table: 8,
    application: 'SNMP',
    description: 'SNMP traps from the BTI7800 to the PSM server as a management system.',
    initiator: 'network-element',
    responder: 'psm-server',
    transport: 'udp',
    ports: [{ port: 162, portKey: 'snmp-trap', probe: 'snmp-inform' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision:
      '"Management systems" are both the PSM server and a NOC: one row each. This one duplicates the 162 port ' +
      'of t3-snmp-traps for the BTI7800; the planner merges them.',
  },
  {
    id: 't8-snmp-trap-noc',
    table: 8,
    application: 'SNMP',
    description: 'SNMP traps from the BTI7800 straight to a NOC as a management system.',
    initiator: 'network-element',
    responder: 'noc',
    transport: 'udp',
    ports: [{ port: 162, portKey: 'snmp-trap', probe: 'snmp-inform' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision:
      '"Management systems" are both the PSM server and a NOC: one row each. A noc host in the inventory is ' +
      'the condition.',
  },
  {
    id: 't8-syslog',
    table: 8,
    application: 'SYSLOG',
    description: 'Syslog messages from the BTI7800 to a syslog server.',
    initiator: 'network-element',
    responder: 'syslog-server',
    transport: 'udp',
    ports: [{ port: 514, portKey: 'syslog', probe: 'udp' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision:
      NE_AS_CLIENT_OF_REMOTE_SERVER +
      ' Syslog over UDP never answers, so the udp probe can at best show open|filtered (or closed on ICMP port unreachable).',
  },
  {
    id: 't8-radius',
    table: 8,
    application: 'RADIUS',
    description: 'Authentication and authorisation of BTI7800 logins against a RADIUS server.',
    initiator: 'network-element',
    responder: 'radius-server',
    transport: 'udp',
    ports: [{ port: 1812, portKey: 'radius-auth', probe: 'radius' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision:
      NE_AS_CLIENT_OF_REMOTE_SERVER +
      ' Only 1812 (no accounting) per Table 8. The same radius-server role serves PSM logins (Table 6). ' +
      'When the PSM server itself is the RADIUS server, t3-radius (condition radius) covers the BTI7800.',
  },
  {
    id: 't8-tacacs',
    table: 8,
    application: 'TACACS+',
    description: 'Authentication and authorisation of BTI7800 logins against a TACACS+ server.',
    initiator: 'network-element',
    responder: 'tacacs-server',
    transport: 'tcp',
    ports: [{ port: 49, portKey: 'tacacs', probe: 'tcp' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: NE_AS_CLIENT_OF_REMOTE_SERVER + ' TACACS+ has no probe of its own: a TCP handshake is the proof.',
  },

  // The BTI7800 as the server, for management systems.
  {
    id: 't8-cli-ssh',
    table: 8,
    application: 'CLI over SSH',
    description: 'CLI access to the BTI7800 over SSH.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: [{ port: 22, portKey: 'cli-ssh', probe: 'ssh' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: T8_DUPLICATES_T3 + ' Same as t3-cli-bti7800.',
  },
  {
    id: 't8-netconf',
    table: 8,
    application: 'NETCONF',
    description: 'NETCONF access to the BTI7800 from management systems.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: [{ port: 2022, portKey: 'netconf', probe: 'netconf' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: T8_DUPLICATES_T3 + ' Same as t3-netconf-bti7800.',
  },
  {
    id: 't8-ssh-shell',
    table: 8,
    application: 'SSH',
    description: 'Direct SSH access to the BTI7800 shell.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: [{ port: 2024, portKey: 'shell', probe: 'ssh' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision:
      'Initiator: the PSM server ("management systems"); the same port from the PSM client is t4-shell.',
  },
  {
    id: 't8-tl1-telnet',
    table: 8,
    application: 'TL1 over Telnet',
    description: 'TL1 access to the BTI7800 over telnet.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'tcp',
    ports: [{ port: 3083, portKey: 'tl1-telnet', probe: 'tl1' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: T8_DUPLICATES_T3 + ' Same as t3-tl1-bti7800.',
  },
  {
    id: 't8-snmp',
    table: 8,
    application: 'SNMP',
    description: 'SNMP access to the BTI7800 from management systems.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'udp',
    ports: [{ port: 161, portKey: 'snmp', probe: 'snmp' }],
    neTypes: ['bti7800'],
    expect: 'open',
    decision: T8_DUPLICATES_T3 + ' Same as t3-snmp for the BTI7800.',
  },
  {
    id: 't8-traceroute',
    table: 8,
    application: 'Traceroute',
    description: 'UDP traceroute probes towards the BTI7800.',
    initiator: 'psm-server',
    responder: 'network-element',
    transport: 'udp',
    ports: [{ port: { from: 33434, to: 33436 }, portKey: 'traceroute', probe: 'udp' }],
    neTypes: ['bti7800'],
    expect: 'reachable',
    decision:
      'Initiator: the PSM server ("management systems"). Nothing listens on these ports: traceroute works when ' +
      'the BTI7800 answers with ICMP port unreachable, which the udp probe reports as closed. That state proves ' +
      'this path; open|filtered (silence) does not. `expect` stays open like every row of the vendor tables, so the verdict step ' +
      'has to read closed as success for this row.',
  },
];

/** Every row of the seed's Tables 1-8, in table order. */
export const MATRIX: readonly MatrixRow[] = [
  ...TABLE_1,
  ...TABLE_2,
  ...TABLE_3,
  ...TABLE_4,
  ...TABLE_5,
  ...TABLE_6,
  ...TABLE_7,
  ...TABLE_8,
];
