// Child process for the kill -9 test: adds subscribers w0, w1, … to the embedded store in
// argv[2] and prints "acked N" after each add has resolved (i.e. is on disk).
import { EmbeddedSubscriberStore } from '../../../src/stores/embedded/subscriber-store.js';
import { emptySubscriber } from '../../../src/stores/subscriber-store.js';

const dir = process.argv[2];
if (dir) {
  const store = await EmbeddedSubscriberStore.open({ dir, log: () => undefined, compactBytes: 4096 });
  for (let i = 0; i < 100000; i++) {
    await store.add({ ...emptySubscriber(`w${i}`, 'example.com'), cfna: `sip:vm${i}@example.com` });
    process.stdout.write(`acked ${i}\n`);
  }
}
