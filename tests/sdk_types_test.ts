/**
 * The SDK's types come from the registry: `deno test` type-checks this file, and
 * each `@ts-expect-error` line fails the check if the types ever let it through.
 */
import assert from "node:assert/strict";
import { type Handlers, pickHandler, type TypedEvent } from "../lib/sdk.ts";

const handlers: Handlers = {
  "server-restart": {
    pre: (data) => {
      const uuid: string = data.uuid;
      const type: "kvm" | "vz" = data.virtualization_type;
      // @ts-expect-error server-restart carries uuid and virtualization_type and never anything else
      const hostname = data.hostname;
      return void [uuid, type, hostname];
    },
  },
  "server-create": (data) => {
    const addresses: string[] = data.ip_addresses;
    const hostname: string = data.hostname;
    // @ts-expect-error server-create has no os_image
    return void [addresses, hostname, data.os_image];
  },
  "server-migrate": {
    post: (data) => {
      const from: number = data.source_compute_resource_id;
      // @ts-expect-error the id is a number, not a string
      const to: string = data.destination_compute_resource_id;
      return void [from, to];
    },
  },
  // @ts-expect-error there is no such action
  "server-reboot": () => {},
};

Deno.test("Handlers are typed per action: a handler reading a key its action lacks does not compile", () => {
  const event: TypedEvent<"server-restart"> = {
    action: "server-restart",
    stage: "pre",
    data: { uuid: "c7ee19aa-2722-4139-9223-60ed4baf09e2", virtualization_type: "kvm" },
  };
  assert.equal(typeof pickHandler(handlers, event), "function");
  assert.equal(pickHandler(handlers, { ...event, stage: "post" }), undefined);
  // @ts-expect-error a server-restart event has no hostname either
  const bad: TypedEvent<"server-restart"> = { ...event, data: { ...event.data, hostname: "x" } };
  assert.ok(bad);
});
