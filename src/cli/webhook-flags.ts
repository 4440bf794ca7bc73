/** The checks of `katib webhook`'s flags, cheap to import (its command module loads on every run of `katib`). */
import { tryParseHostPort } from '../rpc/index.js';
import { usageError } from './context.js';
import type { Setting } from './flags.js';

export interface WebhookFlags {
  tlsCert?: Setting;
  tlsKey?: Setting;
  listen: Setting;
  dbManagerAddress: Setting;
  dbManagerHttpAddress: Setting;
  shimsConfigmap: string;
  printConfigmap?: boolean;
}

/** A host:port the cluster resolves (a Service name is fine); exit 2 naming its source otherwise. */
export function clusterAddress(setting: Setting): string {
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(setting.value) && tryParseHostPort(setting.value) === undefined)
    throw usageError(setting.source, setting.value, 'must be HOST:PORT');
  return setting.value;
}

/** A Kubernetes object name. */
export function configMapName(setting: Setting): string {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(setting.value))
    throw usageError(
      setting.source,
      setting.value,
      'must be a Kubernetes object name (lower case, digits, - and .)',
    );
  return setting.value;
}
