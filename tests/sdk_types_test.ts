/**
 * The SDK's types come from the registry: `deno test` type-checks this file, and
 * each `@ts-expect-error` line fails the check if the types ever let it through.
 * A known action's keys are typed; any other key (and any key of an action the
 * registry does not know) is there as sent, typed `unknown`.
 */
import assert from "node:assert/strict";
import { type Handlers, pickHandler, type TypedEvent } from "../lib/sdk.ts";

const handlers: Handlers = {
  "server-restart": {
    pre: (data) => {
      const uuid: string = data.uuid;
      const type: "kvm" | "vz" = data.virtualization_type;
      // Another key the platform sent is there as sent, but unknown until the hook checks it.
      // @ts-expect-error server-restart carries uuid and virtualization_type and nothing typed else
      const hostname: string = data.hostname;
      return void [uuid, type, hostname];
    },
  },
  "server-create": (data) => {
    const addresses: string[] = data.ip_addresses;
    const hostname: string = data.hostname;
    // @ts-expect-error server-create has no os_image of its own type
    const image: string = data.os_image;
    return void [addresses, hostname, image];
  },
  "server-migrate": {
    post: (data) => {
      const from: number = data.source_compute_resource_id;
      // @ts-expect-error the id is a number, not a string
      const to: string = data.destination_compute_resource_id;
      return void [from, to];
    },
  },
  // An action the registry does not know (a config file's) has a handler too, its data as sent.
  "backup-create": (data, event) => {
    const action: string = event.action;
    // @ts-expect-error its keys are not typed: the registry does not know them
    const uuid: string = data.uuid;
    return void [action, uuid];
  },
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
