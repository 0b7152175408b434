#!/usr/bin/env python3
# solus-hooks: actions=server-restart,server-create timeout=20s
"""The seed's single-entry-point pattern: one hook reads the event and
dispatches to a handler per action and stage. Standard library only.

The directive line above runs it only for the actions it has handlers for,
each time with 20 s to finish: for other events it is not even started."""
import json
import sys


def restart_pre(data):
    print(f"server {data['uuid']} is about to restart")


def restart_post(data):
    print(f"server {data['uuid']} restarted")


def create_post(data):
    print(f"server {data['hostname']} created with {', '.join(data['ip_addresses'])}")


HANDLERS = {
    ("server-restart", "pre"): restart_pre,
    ("server-restart", "post"): restart_post,
    ("server-create", "post"): create_post,
}


def main():
    try:
        event = json.load(sys.stdin)
        action, stage, data = event["action"], event["stage"], event["data"]
    except (ValueError, KeyError) as error:
        print(f"bad event on stdin: {error}", file=sys.stderr)
        return 2
    handler = HANDLERS.get((action, stage))
    if handler is not None:
        handler(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
