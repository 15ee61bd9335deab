import { decode, type DeviceCertificateStatusList } from './proto';
import type { WidevineDeviceEntry, WidevineDeviceLevel, WidevineUnknownDevicePolicy } from './types';

/** A Device Certificate Status List reduced to what the licenser decides on. */
export interface DeviceStatusList {
  readonly creationTime: number;
  /** By hex serial number of the device model (intermediate) certificate. */
  readonly bySerial: ReadonlyMap<string, WidevineDeviceEntry>;
  /** By system id; when entries of one system id disagree, the most restrictive wins (revoked, lowest level). */
  readonly bySystemId: ReadonlyMap<number, WidevineDeviceEntry>;
}

const DCSL_LEVEL: Record<number, WidevineDeviceLevel> = { 1: 'L1', 2: 'L2', 3: 'L3' };
const LEVEL_RANK: Record<WidevineDeviceLevel, number> = { L1: 1, L2: 2, L3: 3 };

function stricter(a: WidevineDeviceEntry, b: WidevineDeviceEntry): WidevineDeviceEntry {
  return {
    status: a.status === 'revoked' || b.status === 'revoked' ? 'revoked' : 'valid',
    level: LEVEL_RANK[a.level] >= LEVEL_RANK[b.level] ? a.level : b.level,
  };
}

/**
 * Parses a DCSL: a serialized SignedCertificateStatusList {1: list bytes, 2: signature} or a bare
 * DeviceCertificateStatusList. The file is operator configuration; its signature is not checked.
 * Status VALID(0) → valid, anything else (REVOKED and statuses of newer lists) → revoked (fail closed);
 * security level LEVEL_1..3 → L1..L3, unspecified → L3. Throws an Error on a file that is neither.
 */
export function parseDeviceStatusList(bytes: Buffer): DeviceStatusList {
  let list: DeviceCertificateStatusList | undefined;
  try {
    const signed = decode('SignedCertificateStatusList', bytes);
    if (signed.certificate_status_list?.length)
      list = decode('DeviceCertificateStatusList', signed.certificate_status_list);
  } catch {
    list = undefined;
  }
  if (!list?.certificate_status?.length) {
    try {
      list = decode('DeviceCertificateStatusList', bytes);
    } catch {
      list = undefined;
    }
  }
  if (!list?.certificate_status?.length)
    throw new Error('not a Device Certificate Status List (no certificate_status entries)');
  const bySerial = new Map<string, WidevineDeviceEntry>();
  const bySystemId = new Map<number, WidevineDeviceEntry>();
  for (const status of list.certificate_status) {
    const entry: WidevineDeviceEntry = {
      status: (status.status ?? 0) === 0 ? 'valid' : 'revoked',
      level: DCSL_LEVEL[status.device_info?.security_level ?? 0] ?? 'L3',
    };
    if (status.serial_number?.length) bySerial.set(status.serial_number.toString('hex'), entry);
    const systemId = status.device_info?.system_id;
    if (systemId !== undefined) {
      const previous = bySystemId.get(systemId);
      bySystemId.set(systemId, previous ? stricter(previous, entry) : entry);
    }
  }
  return { creationTime: list.creation_time_seconds ?? 0, bySerial, bySystemId };
}

export type DeviceDecision =
  | { readonly status: 'valid'; readonly level: WidevineDeviceLevel; readonly known: boolean }
  | { readonly status: 'revoked'; readonly level: WidevineDeviceLevel; readonly known: true }
  | { readonly status: 'unknown'; readonly known: false };

/** Device policy from configuration: the explicit map, then the DCSL (model serial, then system id), then the default. */
export class DevicePolicy {
  private readonly devices: ReadonlyMap<number, WidevineDeviceEntry>;

  constructor(
    devices: ReadonlyMap<number, WidevineDeviceEntry> | Readonly<Record<string, WidevineDeviceEntry>> | undefined,
    private readonly statusList: DeviceStatusList | undefined,
    private readonly unknown: WidevineUnknownDevicePolicy,
  ) {
    this.devices =
      devices instanceof Map
        ? devices
        : new Map(Object.entries(devices ?? {}).map(([id, entry]) => [Number(id), entry] as const));
  }

  decide(systemId: number, modelSerialHex: string): DeviceDecision {
    const entry =
      this.devices.get(systemId) ??
      this.statusList?.bySerial.get(modelSerialHex) ??
      this.statusList?.bySystemId.get(systemId);
    if (entry)
      return entry.status === 'revoked'
        ? { status: 'revoked', level: entry.level, known: true }
        : { status: 'valid', level: entry.level, known: true };
    if (this.unknown === 'reject') return { status: 'unknown', known: false };
    return { status: 'valid', level: this.unknown, known: false };
  }
}

/** Which grant security levels (1–5) a device level can receive: 1–2 any, 3 needs L2 or L1, 4–5 need L1. */
export function levelAllows(device: WidevineDeviceLevel, securityLevel: number): boolean {
  if (securityLevel <= 2) return true;
  if (securityLevel === 3) return device === 'L1' || device === 'L2';
  return device === 'L1';
}
