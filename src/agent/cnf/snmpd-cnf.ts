// snmpd.cnf: the master agent's communities, VACM tables, trap targets, SNMPv3 users and
// system strings, one `<entryType> field …` entry per line (tokenizer: ./entry-lines.ts).
//
//   snmpCommunityEntry INDEX COMMUNITY SECURITY-NAME CONTEXT-ENGINE-ID CONTEXT-NAME TRANSPORT-TAG STORAGE
//   vacmSecurityToGroupEntry MODEL SECURITY-NAME GROUP STORAGE
//   vacmAccessEntry GROUP [CONTEXT-PREFIX] MODEL LEVEL MATCH READ-VIEW [WRITE-VIEW [NOTIFY-VIEW]] STORAGE
//   vacmViewTreeFamilyEntry VIEW SUBTREE MASK included|excluded STORAGE
//   snmpTargetAddrEntry NAME DOMAIN HOST:PORT TIMEOUT RETRIES TAG-LIST PARAMS STORAGE [TMASK [MMS]]
//   snmpTargetParamsEntry NAME MP-MODEL SEC-MODEL SECURITY-NAME LEVEL STORAGE
//   snmpNotifyEntry NAME TAG trap|inform|1|2 STORAGE
//   usmUserEntry ENGINE-ID USER AUTH-PROTOCOL PRIV-PROTOCOL STORAGE AUTH-PASSPHRASE PRIV-PASSPHRASE
//   sysDescr | sysContact | sysName | sysLocation  TEXT…
//   snmpEnableAuthenTraps enabled|disabled   snmpEngineID HEX   httpUserNameEntry … (Dr-Web's users, read by ../web/users.ts)
//
// MODEL is snmpv1 | snmpv2c | usm (any: vacmAccessEntry only); LEVEL noAuthNoPriv | authNoPriv |
// authPriv; `-` means empty. The guide prints vacmAccessEntry without a context prefix and
// with two views (`proxyGroup snmpv2c noAuthNoPriv exact All All nonVolatile`): a prefix is
// recognised by not being a model name; a missing WRITE-VIEW is "none", a missing NOTIFY-VIEW
// is the READ-VIEW (the group hears about what it may read). A TRANSPORT-TAG names
// snmpTargetAddrEntry rows (their TAG-LIST) whose address/TMASK a community's source must
// match. An snmpNotifyEntry (RFC 3413 snmpNotifyTable) gives the targets whose TAG-LIST holds
// its TAG that notification type; with no snmpNotifyEntry at all every target with parameters
// gets traps, as before the entry existed (notifyTypeOf). Problems come back as
// file:line:col messages; a bad entry is left out.
import { readFileSync } from 'node:fs';
import type { ConfigMessage } from '../../config/loader.js';
import { nearest } from '../../config/suggest.js';
import { readEntryLines } from './entry-lines.js';
import type { EntryLine, Field } from './entry-lines.js';

export type SnmpModel = 'snmpv1' | 'snmpv2c' | 'usm';
export type SecLevel = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
export type StorageType = 'other' | 'volatile' | 'nonVolatile' | 'permanent' | 'readOnly';

export interface CommunityEntry { index: string; community: string; securityName: string; contextEngineID: string; contextName: string; transportTag: string; storage: StorageType; line: number }
export interface GroupEntry { model: SnmpModel; securityName: string; group: string; line: number }
export interface AccessEntry { group: string; contextPrefix: string; model: SnmpModel | 'any'; level: SecLevel; match: 'exact' | 'prefix'; readView: string; writeView: string; notifyView: string; line: number }
export interface ViewEntry { view: string; subtree: string; mask: number[]; type: 'included' | 'excluded'; line: number }
export interface TargetAddrEntry { name: string; domain: string; host: string; port: number; timeout: number; retries: number; tags: string[]; params: string; tmask?: { host: string; port: number }; line: number }
export interface TargetParamsEntry { name: string; mpModel: 0 | 1 | 3; model: SnmpModel; securityName: string; level: SecLevel; line: number }
export type AuthProtocol = 'none' | 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type PrivProtocol = 'none' | 'des' | 'aes' | 'aes256b' | 'aes256r';
export interface NotifyEntry { name: string; tag: string; type: NotifyType; line: number }
export type NotifyType = 'trap' | 'inform';
export interface UsmUserEntry { engineID: string; user: string; auth: AuthProtocol; priv: PrivProtocol; authPassphrase: string; privPassphrase: string; line: number }
export interface HttpUserEntry { fields: string[]; line: number }

export interface SnmpdConfig {
  file: string;
  communities: CommunityEntry[];
  groups: GroupEntry[];
  access: AccessEntry[];
  views: ViewEntry[];
  targets: TargetAddrEntry[];
  params: TargetParamsEntry[];
  notify: NotifyEntry[];
  users: UsmUserEntry[];
  httpUsers: HttpUserEntry[];
  sysDescr?: string;
  sysContact?: string;
  sysName?: string;
  sysLocation?: string;
  enableAuthenTraps?: boolean;
  engineID?: string;
}

export interface SnmpdCnfResult {
  config: SnmpdConfig;
  messages: ConfigMessage[];
}

export const ENTRY_TYPES = [
  'snmpCommunityEntry', 'vacmSecurityToGroupEntry', 'vacmAccessEntry', 'vacmViewTreeFamilyEntry',
  'snmpTargetAddrEntry', 'snmpTargetParamsEntry', 'snmpNotifyEntry', 'usmUserEntry', 'httpUserNameEntry',
  'sysDescr', 'sysContact', 'sysName', 'sysLocation', 'snmpEnableAuthenTraps', 'snmpEngineID',
] as const;

const MODELS = ['snmpv1', 'snmpv2c', 'usm'] as const;
const LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;
const STORAGE = ['other', 'volatile', 'nonVolatile', 'permanent', 'readOnly'] as const;
const AUTH: Record<string, AuthProtocol> = {
  none: 'none', md5: 'md5', sha: 'sha', sha1: 'sha', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512',
  usmNoAuthProtocol: 'none', usmHMACMD5AuthProtocol: 'md5', usmHMACSHAAuthProtocol: 'sha',
  usmHMAC128SHA224AuthProtocol: 'sha224', usmHMAC192SHA256AuthProtocol: 'sha256',
  usmHMAC256SHA384AuthProtocol: 'sha384', usmHMAC384SHA512AuthProtocol: 'sha512',
};
const PRIV: Record<string, PrivProtocol> = {
  none: 'none', des: 'des', aes: 'aes', aes128: 'aes', aes256b: 'aes256b', aes256r: 'aes256r',
  usmNoPrivProtocol: 'none', usmDESPrivProtocol: 'des', usmAesCfb128Protocol: 'aes',
};

/** Names usable as a view subtree besides numeric OIDs. */
export const SUBTREE_NAMES: Record<string, string> = {
  iso: '1', org: '1.3', dod: '1.3.6', internet: '1.3.6.1', directory: '1.3.6.1.1', mgmt: '1.3.6.1.2',
  'mib-2': '1.3.6.1.2.1', mib2: '1.3.6.1.2.1', system: '1.3.6.1.2.1.1', interfaces: '1.3.6.1.2.1.2',
  snmp: '1.3.6.1.2.1.11', host: '1.3.6.1.2.1.25', experimental: '1.3.6.1.3', private: '1.3.6.1.4',
  enterprises: '1.3.6.1.4.1', snmpV2: '1.3.6.1.6', snmpModules: '1.3.6.1.6.3',
};

class EntryError extends Error {
  constructor(readonly field: Field | undefined, message: string) {
    super(message);
  }
}

function text(f: Field | undefined): string {
  return !f || f.dash ? '' : f.text;
}

function oneOf<T extends string>(f: Field | undefined, what: string, valid: readonly T[]): T {
  const t = text(f);
  const hit = valid.find((v) => v.toLowerCase() === t.toLowerCase());
  if (hit) return hit;
  const near = nearest(t, valid);
  throw new EntryError(f, `${what} '${t}' is not valid${near ? ` (did you mean ${near}?)` : ''}; valid: ${valid.join(', ')}`);
}

function need(e: EntryLine, min: number, max: number, form: string): void {
  if (e.fields.length < min || e.fields.length > max) {
    throw new EntryError(undefined, `${e.type} takes ${min === max ? min : `${min} to ${max}`} fields, found ${e.fields.length}: ${e.type} ${form}`);
  }
}

function int(f: Field, what: string, min: number, max: number): number {
  const t = text(f);
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) throw new EntryError(f, `${what} '${t}' must be an integer from ${min} to ${max}`);
  return Number(t);
}

export function parseSubtree(t: string): string | undefined {
  const s = t.replace(/^\./, '');
  if (/^\d+(\.\d+)*$/.test(s)) return s;
  const [head, ...rest] = s.split('.');
  const base = SUBTREE_NAMES[head];
  if (!base || !rest.every((p) => /^\d+$/.test(p))) return undefined;
  return [base, ...rest].join('.');
}

function hostPort(f: Field, what: string): { host: string; port: number } {
  const t = text(f);
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(t);
  if (!m || m[1].split('.').some((o) => Number(o) > 255) || Number(m[2]) > 65535) {
    throw new EntryError(f, `${what} '${t}' must be IPv4-ADDRESS:PORT, e.g. 127.0.0.1:162 (port 0 = the default)`);
  }
  return { host: m[1], port: Number(m[2]) };
}

function rest(e: EntryLine): string {
  return e.fields.map((f) => f.text).join(' ');
}

export function parseSnmpdCnf(source: string, file: string): SnmpdCnfResult {
  const { entries, messages } = readEntryLines(source, file);
  const config = emptyConfig(file);
  const problem = (e: EntryLine, err: EntryError) => {
    messages.push({ severity: 'error', file, line: err.field?.line ?? e.line, col: err.field?.col ?? 1, message: err.message });
  };
  for (const e of entries) {
    try {
      parseEntry(e, config);
    } catch (err) {
      if (err instanceof EntryError) problem(e, err);
      else throw err;
    }
  }
  messages.push(...notifyWarnings(config));
  return { config, messages };
}

function emptyConfig(file: string): SnmpdConfig {
  return { file, communities: [], groups: [], access: [], views: [], targets: [], params: [], notify: [], users: [], httpUsers: [] };
}

/**
 * RFC 3413 §3.3: the notification type a target gets, or undefined when it gets none (no
 * parameters, or snmpNotifyEntry rows exist and none names one of its tags). A target that
 * both a trap row and an inform row select gets informs: one acknowledged copy, not two.
 */
export function notifyTypeOf(config: SnmpdConfig, target: TargetAddrEntry): NotifyType | undefined {
  if (target.params === '') return undefined;
  if (config.notify.length === 0) return 'trap';
  const types = config.notify.filter((n) => n.tag !== '' && target.tags.includes(n.tag)).map((n) => n.type);
  return types.includes('inform') ? 'inform' : types.length > 0 ? 'trap' : undefined;
}

/** Targets that will not get what their notify rows ask for, said at load time. */
function notifyWarnings(c: SnmpdConfig): ConfigMessage[] {
  const out: ConfigMessage[] = [];
  const warn = (line: number, message: string) => out.push({ severity: 'warning', file: c.file, line, col: 1, message });
  for (const t of c.targets) {
    const type = notifyTypeOf(c, t);
    if (t.params !== '' && type === undefined) {
      warn(t.line, `snmpTargetAddrEntry ${t.name}: no snmpNotifyEntry names any of its tags (${t.tags.join(' ') || 'none'}); it gets no notifications`);
    }
    const params = c.params.find((p) => p.name === t.params);
    if (type === 'inform' && params?.mpModel === 0) {
      warn(t.line, `snmpTargetAddrEntry ${t.name}: SNMPv1 (parameters ${params.name}) has no InformRequest; it gets traps instead`);
    }
  }
  return out;
}

function parseEntry(e: EntryLine, c: SnmpdConfig): void {
  const f = e.fields;
  switch (e.type) {
    case 'snmpCommunityEntry':
      need(e, 7, 7, 'INDEX COMMUNITY SECURITY-NAME CONTEXT-ENGINE-ID CONTEXT-NAME TRANSPORT-TAG STORAGE');
      if (!text(f[1])) throw new EntryError(f[1], 'the community name may not be empty');
      c.communities.push({
        index: text(f[0]), community: text(f[1]), securityName: text(f[2]), contextEngineID: text(f[3]),
        contextName: text(f[4]), transportTag: text(f[5]), storage: oneOf(f[6], 'storage type', STORAGE), line: e.line,
      });
      return;
    case 'vacmSecurityToGroupEntry':
      need(e, 4, 4, 'MODEL SECURITY-NAME GROUP STORAGE');
      oneOf(f[3], 'storage type', STORAGE);
      c.groups.push({ model: oneOf(f[0], 'security model', MODELS), securityName: text(f[1]), group: text(f[2]), line: e.line });
      return;
    case 'vacmAccessEntry': {
      const form = 'GROUP [CONTEXT-PREFIX] MODEL LEVEL exact|prefix READ-VIEW [WRITE-VIEW [NOTIFY-VIEW]] STORAGE';
      need(e, 6, 9, form);
      const hasPrefix = ![...MODELS, 'any'].includes(text(f[1]).toLowerCase() as SnmpModel);
      const at = hasPrefix ? 2 : 1;
      const views = f.slice(at + 3, f.length - 1);
      if (views.length < 1 || views.length > 3) throw new EntryError(undefined, `vacmAccessEntry needs 1 to 3 view names: ${e.type} ${form}`);
      oneOf(f[f.length - 1], 'storage type', STORAGE);
      c.access.push({
        group: text(f[0]),
        contextPrefix: hasPrefix ? text(f[1]) : '',
        model: oneOf(f[at], 'security model', [...MODELS, 'any'] as const),
        level: oneOf(f[at + 1], 'security level', LEVELS),
        match: oneOf(f[at + 2], 'context match', ['exact', 'prefix'] as const),
        // Without a NOTIFY-VIEW field (the guide's short form) the group is notified of what
        // it may read, as Net-SNMP's rocommunity/rwcommunity shorthand does; `-` means none.
        readView: text(views[0]), writeView: text(views[1]), notifyView: views[2] ? text(views[2]) : text(views[0]), line: e.line,
      });
      return;
    }
    case 'vacmViewTreeFamilyEntry': {
      need(e, 5, 5, 'VIEW SUBTREE MASK included|excluded STORAGE');
      const subtree = parseSubtree(text(f[1]));
      if (!subtree) throw new EntryError(f[1], `subtree '${text(f[1])}' must be a numeric OID or one of ${Object.keys(SUBTREE_NAMES).join(', ')} (optionally followed by .N…)`);
      const maskText = text(f[2]).replace(/[:\s]/g, '');
      if (maskText && !/^([0-9a-fA-F]{2})+$/.test(maskText)) throw new EntryError(f[2], `mask '${text(f[2])}' must be '-' or hex octets such as ff:e0`);
      const mask: number[] = [];
      for (let i = 0; i < maskText.length; i += 2) mask.push(parseInt(maskText.slice(i, i + 2), 16));
      oneOf(f[4], 'storage type', STORAGE);
      c.views.push({ view: text(f[0]), subtree, mask, type: oneOf(f[3], 'view type', ['included', 'excluded'] as const), line: e.line });
      return;
    }
    case 'snmpTargetAddrEntry': {
      need(e, 8, 10, 'NAME snmpUDPDomain HOST:PORT TIMEOUT RETRIES TAG-LIST PARAMS STORAGE [TMASK [MMS]]');
      oneOf(f[1], 'transport domain', ['snmpUDPDomain'] as const);
      const hp = hostPort(f[2], 'target address');
      oneOf(f[7], 'storage type', STORAGE);
      c.targets.push({
        name: text(f[0]), domain: 'snmpUDPDomain', host: hp.host, port: hp.port || 162,
        timeout: int(f[3], 'timeout (centiseconds)', 0, 2147483647), retries: int(f[4], 'retry count', 0, 255),
        tags: text(f[5]).split(/[\s,]+/).filter(Boolean), params: text(f[6]),
        tmask: f[8] && !f[8].dash ? hostPort(f[8], 'transport mask') : undefined, line: e.line,
      });
      return;
    }
    case 'snmpTargetParamsEntry': {
      need(e, 6, 6, 'NAME MP-MODEL(0=v1,1=v2c,3=v3) SEC-MODEL SECURITY-NAME LEVEL STORAGE');
      const mp = oneOf(f[1], 'message processing model', ['0', '1', '3'] as const);
      oneOf(f[5], 'storage type', STORAGE);
      c.params.push({ name: text(f[0]), mpModel: Number(mp) as 0 | 1 | 3, model: oneOf(f[2], 'security model', MODELS), securityName: text(f[3]), level: oneOf(f[4], 'security level', LEVELS), line: e.line });
      return;
    }
    case 'snmpNotifyEntry': {
      need(e, 4, 4, 'NAME TAG trap|inform STORAGE');
      const name = text(f[0]);
      const twin = c.notify.find((n) => n.name === name);
      if (twin) throw new EntryError(f[0], `snmpNotifyEntry ${name} is already defined on line ${twin.line}`);
      const type = oneOf(f[2], 'notification type', ['trap', 'inform', '1', '2'] as const);
      oneOf(f[3], 'storage type', STORAGE);
      c.notify.push({ name, tag: text(f[1]), type: type === 'inform' || type === '2' ? 'inform' : 'trap', line: e.line });
      return;
    }
    case 'usmUserEntry': {
      need(e, 5, 7, 'ENGINE-ID|localSnmpID USER AUTH-PROTOCOL PRIV-PROTOCOL STORAGE [AUTH-PASSPHRASE [PRIV-PASSPHRASE]]');
      const auth = AUTH[text(f[2]) || 'none'];
      if (!auth) throw new EntryError(f[2], `authentication protocol '${text(f[2])}' is not valid; valid: ${Object.keys(AUTH).join(', ')}`);
      const priv = PRIV[text(f[3]) || 'none'];
      if (!priv) throw new EntryError(f[3], `privacy protocol '${text(f[3])}' is not valid; valid: ${Object.keys(PRIV).join(', ')}`);
      oneOf(f[4], 'storage type', STORAGE);
      const authPassphrase = text(f[5]);
      const privPassphrase = text(f[6]);
      if (auth !== 'none' && authPassphrase.length < 8) throw new EntryError(f[5] ?? f[4], `user ${text(f[1])}: an authentication passphrase of at least 8 characters is needed with ${auth}`);
      if (priv !== 'none' && auth === 'none') throw new EntryError(f[3], `user ${text(f[1])}: privacy (${priv}) needs an authentication protocol too`);
      if (priv !== 'none' && privPassphrase.length < 8) throw new EntryError(f[6] ?? f[5], `user ${text(f[1])}: a privacy passphrase of at least 8 characters is needed with ${priv}`);
      c.users.push({ engineID: text(f[0]), user: text(f[1]), auth, priv, authPassphrase, privPassphrase, line: e.line });
      return;
    }
    case 'httpUserNameEntry':
      c.httpUsers.push({ fields: f.map((x) => x.text), line: e.line });
      return;
    case 'sysDescr':
    case 'sysContact':
    case 'sysName':
    case 'sysLocation': {
      const value = rest(e);
      if (value.length > 255) throw new EntryError(f[0], `${e.type} is limited to 255 characters`);
      c[e.type] = value;
      return;
    }
    case 'snmpEnableAuthenTraps': {
      need(e, 1, 1, 'enabled|disabled');
      const v = oneOf(f[0], 'snmpEnableAuthenTraps', ['enabled', 'disabled', '1', '2'] as const);
      c.enableAuthenTraps = v === 'enabled' || v === '1';
      return;
    }
    case 'snmpEngineID': {
      need(e, 1, 1, 'HEX (5 to 32 octets)');
      const hex = text(f[0]).replace(/^0x/i, '').replace(/:/g, '');
      if (!/^([0-9a-fA-F]{2}){5,32}$/.test(hex)) throw new EntryError(f[0], 'snmpEngineID must be 5 to 32 octets of hex, e.g. 80001f8880…');
      c.engineID = hex.toLowerCase();
      return;
    }
    default: {
      const near = nearest(e.type, ENTRY_TYPES);
      throw new EntryError(undefined, `unknown entry type '${e.type}'${near ? ` (did you mean ${near}?)` : ''}; known: ${ENTRY_TYPES.join(', ')}`);
    }
  }
}

export function readSnmpdCnf(file: string): SnmpdCnfResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      config: emptyConfig(file),
      messages: [{ severity: 'error', file, line: 0, col: 0, message: `cannot read: ${err.code ?? err.message}` }],
    };
  }
  return parseSnmpdCnf(source, file);
}
