#!/bin/sh
# solus-hooks: timeout=10s
# A shell hook that needs no JSON parser: solus-hooks describes the event in
# SOLUS_HOOK_* variables (the whole JSON is still on stdin for those who want it).
# The directive above runs it for every event, but gives it 10 s, not the
# stage's whole deadline.
set -eu

# An action the config file adds may carry other keys: default what may be absent.
echo "${SOLUS_HOOK_ACTION} ${SOLUS_HOOK_STAGE}: server ${SOLUS_HOOK_DATA_UUID:-?} (${SOLUS_HOOK_DATA_VIRTUALIZATION_TYPE:-?})"

case "${SOLUS_HOOK_ACTION}:${SOLUS_HOOK_STAGE}" in
  server-create:post)
    echo "new server ${SOLUS_HOOK_DATA_HOSTNAME:-?} has ${SOLUS_HOOK_DATA_IP_ADDRESSES:-no addresses}"
    ;;
  server-network-*:*)
    echo "interface ${SOLUS_HOOK_DATA_MAC_ADDRESS:-?}: ${SOLUS_HOOK_DATA_IP_ADDRESSES:-}"
    ;;
esac
