// Runs port discovery in its own process and prints the result as JSON, so a
// test can prove that the process survives whatever the machine lacks.
import { discoverPorts, type DiscoveryOptions } from '../../../native/transport/discovery';

const options = JSON.parse(process.argv[2] ?? '{}') as DiscoveryOptions;
const result = await discoverPorts(options);
process.stdout.write(`${JSON.stringify(result)}\n`);
