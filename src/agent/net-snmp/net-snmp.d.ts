// Minimal typings for the parts of net-snmp 3.29 that OpenSPS uses (@types/net-snmp types
// the agent side as `any`). Internal objects (Mib, MibNode, Message, Listener) are typed
// only as far as src/agent/net-snmp/ touches them.
declare module 'net-snmp' {
  export const Version1: 0;
  export const Version2c: 1;
  export const Version3: 3;

  export const ObjectType: Record<string, number> & Record<number, string>;
  export const ErrorStatus: Record<string, number> & Record<number, string>;
  export const PduType: Record<string, number> & Record<number, string>;
  export const TrapType: Record<string, number> & Record<number, string>;
  export const MibProviderType: { Scalar: 1; Table: 2 } & Record<number, string>;
  export const MaxAccess: Record<string, number> & Record<number, string>;
  export const RowStatus: Record<string, number> & Record<number, string>;
  export const SecurityLevel: { noAuthNoPriv: 1; authNoPriv: 2; authPriv: 3 } & Record<number, string>;
  export const AuthProtocols: Record<string, number> & Record<number, string>;
  export const PrivProtocols: Record<string, number> & Record<number, string>;
  export const AccessControlModelType: { None: 0; Simple: 1 };

  export interface RawVarbind {
    oid: string;
    type?: number;
    value?: unknown;
    [extra: string]: unknown;
  }

  export interface RawUser {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export interface MibNode {
    address: number[];
    oid: string;
    parent: MibNode | null;
    children: Record<number, MibNode>;
    provider?: RawProvider;
    value?: unknown;
    valueType?: number;
    getAncestorProvider(): MibNode | null;
    getTableColumnFromInstanceNode(): number | null;
    getNextInstanceNode(): MibNode | null;
  }

  export interface RawColumn {
    number: number;
    name: string;
    type: number;
    maxAccess: number;
    rowStatus?: boolean;
    defVal?: unknown;
    constraints?: unknown;
  }

  export interface RawIndexPart {
    columnName?: string;
    columnNumber?: number;
    implied?: boolean;
    foreign?: string;
    type?: number;
  }

  export interface RawProvider {
    name: string;
    type: number;
    oid: string;
    scalarType?: number;
    maxAccess?: number;
    defVal?: unknown;
    constraints?: unknown;
    tableColumns?: RawColumn[];
    tableIndex?: RawIndexPart[];
    tableAugments?: string;
    tableName?: string;
    handler?: (request: MibRequest) => void;
    createHandler?: ((request: { provider: RawProvider; action?: string; row?: unknown }) => unknown) | null;
    [extra: string]: unknown;
  }

  export interface MibRequest {
    operation: number;
    oid: string;
    instanceNode?: MibNode;
    providerNode?: MibNode;
    setType?: number;
    setValue?: unknown;
    testSet?: boolean;
    commitSet?: boolean;
    done(error?: { errorStatus: number; type?: number; value?: unknown }): void;
  }

  export interface Mib {
    root: MibNode;
    providers: Record<string, RawProvider>;
    providersByOid: Record<string, RawProvider>;
    providerNodes: Record<string, MibNode>;
    registerProvider(provider: RawProvider): void;
    unregisterProvider(name: string): void;
    getProvider(name: string): RawProvider | undefined;
    lookup(oid: string | number[]): MibNode | null;
    getTreeNode(oid: string): MibNode;
    addNodesForAddress(address: number[]): MibNode;
    setScalarValue(name: string, value: unknown): void;
    getScalarValue(name: string): unknown;
    addTableRow(table: string, row: unknown[]): void;
    deleteTableRow(table: string, rowIndex: unknown[]): boolean;
    getTableRowInstanceFromRowIndex(provider: RawProvider, rowIndex: unknown[]): number[];
    getAncestorProviderFromOid(oid: string): RawProvider | null;
    [extra: string]: unknown;
  }

  export interface Authorizer {
    communities: string[];
    users: RawUser[];
    addCommunity(community: string): void;
    addUser(user: RawUser): void;
  }

  export interface Listener {
    send(message: unknown, rinfo: unknown, socket: unknown): void;
    close(callback?: () => void): void;
    sockets: Record<string, import('node:dgram').Socket>;
  }

  export interface Agent {
    mib: Mib;
    listener: Listener;
    authorizer: Authorizer;
    engine: { engineID: Buffer };
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    registerProvider(provider: RawProvider): void;
    unregisterProvider(name: string): void;
    close(callback?: () => void): void;
    [method: string]: unknown;
  }

  export interface AgentOptions {
    port?: number;
    address?: string | null;
    transport?: 'udp4' | 'udp6';
    engineID?: string | Buffer;
    disableAuthorization?: boolean;
    accessControlModelType?: number;
    mibOptions?: Record<string, unknown>;
    sockets?: unknown;
  }

  export function createAgent(options: AgentOptions, callback: (error: Error | null, data?: unknown) => void, mib?: Mib): Agent;
  export function createMib(options?: Record<string, unknown>): Mib;

  export interface ModuleStore {
    parser: { Modules: Record<string, Record<string, Record<string, unknown>>> };
    loadFromFile(fileName: string): void;
    getModule(name: string): Record<string, Record<string, unknown>> | undefined;
    getModuleNames(includeBase?: boolean): string[];
    getProvidersForModule(name: string): RawProvider[];
    translate(name: string, format: string): string;
  }
  export function createModuleStore(options?: { baseModules?: string[] }): ModuleStore;

  export interface Session {
    trap(typeOrOid: string | number, varbinds: RawVarbind[], options: Record<string, unknown>, callback: (error: Error | null) => void): Session;
    inform(typeOrOid: string | number, varbinds: RawVarbind[], options: Record<string, unknown>, callback: (error: Error | null, varbinds?: RawVarbind[]) => void): Session;
    close(): void;
    on(event: string, listener: (...args: unknown[]) => void): Session;
    send: (req: { message: { pdu: Record<string, unknown> } }, noWait?: boolean) => void;
  }
  export function createSession(target: string, community: string, options?: Record<string, unknown>): Session;
  export function createV3Session(target: string, user: RawUser, options?: Record<string, unknown>): Session;
}
