// Debian's Chromium driven by playwright-core (it downloads no browser of its own). The flags keep
// Chromium from reaching out to the network, which this machine's closed network refuses.
import { chromium } from 'playwright-core';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** A headless Chromium with a fresh profile. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.OSPREY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    timeout: 60_000,
  });
}
