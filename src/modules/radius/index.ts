// The RADIUS client shared by accounting, authentication and preauthorization (guide B-8
// "Configuring the RADIUS client"): opened before them (src/server/modules.ts) and offered
// as SharedServices.radius. Its per-server counters join sipd's counters snapshot as
// radius.<host:port>.<counter>; DebugFlag Radius logs every message it sends and receives.
import type { Config } from '../../config/loader.js';
import type { SipdModule } from '../module.js';
import { flaggedLog } from '../module.js';
import { RadiusClient } from './client.js';
import type { RadiusTiming } from './client.js';
import { loadDictionaries } from './codec.js';
import { radiusDirectives } from './directives.js';

export function radiusTiming(c: Config): RadiusTiming {
  const v = c.values;
  return {
    intervalMs: v.RadiusRetransmissionInterval,
    count: v.RadiusRetransmissionCount,
    afterFailure: v.RadiusRetransmissionAfterFailure,
    retrySeconds: v.RadiusRetryTime,
  };
}

export const radiusModule: SipdModule = {
  name: 'radius',
  directives: radiusDirectives,
  async open(config, deps) {
    loadDictionaries();
    const log = flaggedLog(deps.log, 'Radius');
    const client = new RadiusClient({
      timing: radiusTiming(config),
      debug: (m) => log('debug', m),
      debugOn: () => deps.log.isFlagOn('Radius'),
      warn: (m) => log('warn', m),
    });
    deps.counts?.provide('radius', () => {
      const out: Record<string, number> = { unknownSource: client.unknownSource, encodeErrors: client.encodeErrors };
      for (const [server, s] of client.stats()) for (const [k, n] of Object.entries(s)) out[`${server}.${k}`] = n;
      return out;
    });
    return {
      provides: { radius: client },
      reconfigure(next) {
        client.setTiming(radiusTiming(next));
      },
      close: () => client.close(),
    };
  },
};
