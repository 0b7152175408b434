#!/usr/bin/env -S deno run --quiet --no-prompt
// solus-hooks: timeout=30s
// A Deno hook using the solus-hooks SDK: the event is read from stdin and
// validated, and each handler sees its action's data, typed from the registry.
import { handleEvent } from "../../lib/sdk.ts";

await handleEvent({
  "server-restart": {
    pre: (data) =>
      console.log(`audit: ${data.uuid} (${data.virtualization_type}) is about to restart`),
    post: (data) => console.log(`audit: ${data.uuid} restarted`),
  },
  "server-create": (data, event) =>
    console.log(
      `audit: ${event.stage} create ${data.hostname} with ${data.ip_addresses.join(", ")}`,
    ),
  "server-migrate": {
    post: (data) =>
      console.log(
        `audit: ${data.uuid} moved from ${data.source_compute_resource_id} to ${data.destination_compute_resource_id}`,
      ),
  },
});
