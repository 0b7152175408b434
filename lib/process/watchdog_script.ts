/**
 * The program of a stage's watchdog (see `watchdog.ts`, which starts it and
 * speaks to it): kept apart because it is shell, not TypeScript, and a hundred
 * lines of it.
 *
 * @module
 */

/**
 * The watchdog, in POSIX sh (dash, busybox, bash). Arguments: run id, ms until
 * `1` to try cgroups; then its first line, `n COUNT RUN_ID MS`: the number of
 * hooks, the run's id and the milliseconds left until the stage's deadline +
 * grace (it starts before the runner has found the hooks, or even read the
 * event: see {@linkcode prewarmWatchdog}).
 * Builtins only on the way of a hook (`read`, `echo`, `kill`, redirections);
 * `mkdir` once per stage while the runner finds its hooks (once more past 8
 * hooks), `sleep`, `grep` and `rmdir` only after the end.
 * (`@{` stands for the shell's `${`, which a template literal would take.)
 * The protocol it speaks is described in `watchdog.ts`, which starts it.
 *
 * @example
 * ```ts
 * import { WATCHDOG_SCRIPT } from "./watchdog_script.ts";
 * import assert from "node:assert/strict";
 * const syntax = new Deno.Command("sh", { args: ["-n", "-c", WATCHDOG_SCRIPT] }).outputSync();
 * assert.equal(syntax.code, 0, "it parses as POSIX sh");
 * assert.ok(!WATCHDOG_SCRIPT.includes("@{"));
 * ```
 */
export const WATCHDOG_SCRIPT: string = String.raw`
trap '' INT HUP TERM PIPE
want=$1
up() { read -r u _ < /proc/uptime; f=@{u#*.}; now=$(( @{u%.*} * 100 + @{f#0} )); }
read -r st < /proc/$PPID/stat; st=@{st##*) }; set -- $st; pstart=@{20}
m= made=0
if [ "$want" = 1 ]; then
  for m in /sys/fs/cgroup /sys/fs/cgroup/unified ""; do [ -e "$m/cgroup.controllers" ] && break; done
  [ -n "$m" ] && while IFS= read -r l; do case $l in 0::*) own=@{l#0::};; esac; done < /proc/$PPID/cgroup
fi
dir=
if [ -n "$m" ]; then
  base=$m@{own%/}; d=$base/solus-hooks-$$
  # The groups of a stage of up to 8 hooks, made while the runner finds them.
  if mkdir "$d" "$d/1" "$d/2" "$d/3" "$d/4" "$d/5" "$d/6" "$d/7" "$d/8" 2>/dev/null; then
    if [ -e "$d/1/cgroup.kill" ]; then dir=$d made=8; else rmdir "$d"/* "$d" 2>/dev/null; fi
  fi
  # The first move into a cgroup after a quiet spell waits out an RCU grace
  # period (5-20 ms seen), holding the kernel's cgroup lock (a mkdir waits on
  # it too, hence after the one above): a move of its own into the cgroup it is
  # in, while the runner finds its hooks, pays it instead of the first hook.
  [ -n "$dir" ] && { echo $$ > "$base/cgroup.procs"; } 2>/dev/null &
fi
# Said at once, so that a stage of up to 8 hooks need not wait for an answer.
echo "s $pstart $dir"
# Told how many hooks the stage starts once the runner has found them.
read -r cmd count run left || { [ -z "$dir" ] || rmdir "$dir"/* "$dir"; exit 0; }
up; t0=$now
[ "$cmd" = n ] && [ "$count" -gt 0 ] 2>/dev/null || { [ -z "$dir" ] || rmdir "$dir"/* "$dir"; exit 0; }
seen= evf=
if [ -n "$dir" ] && [ "$count" -gt $made ]; then
  set --; i=$((made + 1)); while [ $i -le $count ]; do set -- "$@" "$dir/$i"; i=$((i + 1)); done
  if mkdir "$@" 2>/dev/null; then echo "m ok"; else rmdir "$dir"/* "$dir" 2>/dev/null; dir=; echo "m failed"; fi
fi
alive() {
  [ -n "$1" ] && read -r s < /proc/$1/stat 2>/dev/null || return 1
  s=@{s##*) }; set -- $s
  [ "$1" != Z ] && [ "$1" != X ] && [ "$2" = "$PPID" ]
}
out() {
  [ -n "$dir" ] || return 0
  for r in 1 2 3; do
    n=0; while read -r q; do echo $q > "$base/cgroup.procs" 2>/dev/null; n=1; done < "$dir/$1/cgroup.procs"
    [ $n = 0 ] && break
  done
}
killhook() {
  eval "p=\$pg_$1"
  if [ -n "$dir" ]; then echo 1 > "$dir/$1/cgroup.kill" 2>/dev/null; elif [ -n "$p" ]; then kill -s KILL -- -$p 2>/dev/null; fi
}
clean() {
  [ -n "$evf" ] && rm -f "$evf"
  [ -n "$dir" ] || return 0
  for r in 1 2 3 4 5 6 7 8 9 10; do
    i=1; while [ $i -le $count ]; do eval "g=\$gone_$i"; [ "$g" = x ] && out $i; i=$((i + 1)); done
    rmdir "$dir"/* "$dir" 2>/dev/null; [ -d "$dir" ] || return 0; sleep 0.1
  done
}
while read -r cmd i pg name; do
  case $cmd in
    p) eval "pg_$i=$pg"; eval "nm_$i=\$name"; seen=1 ;;
    x) eval "gone_$i=x"; out $i ;;
    t) eval "p=\$pg_$i"
       if alive "$p"; then
         if [ -n "$dir" ]; then
           n=$p; while read -r q; do kill -s TERM $q 2>/dev/null; [ "$q" = "$p" ] && n=; done < "$dir/$i/cgroup.procs"
           [ -n "$n" ] && kill -s TERM $p 2>/dev/null
         else kill -s TERM -- -$p 2>/dev/null; fi
         echo "r $i live"
       else echo "r $i gone"; fi ;;
    k) eval "gone_$i=k"; killhook $i ;;
    f) evf=$i ;;
    done) clean; exit 0 ;;
  esac
done
[ -n "$seen" ] || { clean; exit 0; }
up; rest=$(( left - (now - t0) * 10 ))
[ $rest -gt 0 ] && sleep $((rest / 1000)).$(printf %03d $((rest % 1000)))
i=1
while [ $i -le $count ]; do
  eval "g=\$gone_$i; n=\$nm_$i"
  if [ -z "$g" ]; then
    killhook $i
    [ -n "$n" ] && for f in $(grep -lsxzF -e "SOLUS_HOOK_RUN_ID=$run" /proc/[0-9]*/environ); do
      grep -qsxzF -e "SOLUS_HOOK_NAME=$n" "$f" && q=@{f#/proc/} && kill -s KILL @{q%/environ} 2>/dev/null
    done
  fi
  i=$((i + 1))
done
clean
`.replaceAll("@{", "${");
