#!/usr/bin/env bash
# A single-node SLURM cluster on localhost, for trying and testing sweeps on
# the submitit launcher (docs/sweeps.md). Debian 12, run as root, no systemd:
# every daemon is started by hand in the background, its PID recorded under
# $DISTILL_SLURM_DIR/run/, and stopped by that PID.
#
#   scripts/slurm/local_cluster.sh install   # apt-get the packages (~30 s)
#   scripts/slurm/local_cluster.sh start     # prints: export SLURM_CONF=...
#   scripts/slurm/local_cluster.sh status
#   scripts/slurm/local_cluster.sh stop
#
# Daemons: munged (authentication), a private MariaDB on 127.0.0.1:$DB_PORT
# with its data under $DISTILL_SLURM_DIR, slurmdbd (job accounting: without it
# `sacct` knows nothing, a job that dies without a result stays UNKNOWN and
# submitit waits forever), slurmctld and slurmd. The node is this machine
# (NodeName = `hostname -s`, NodeAddr=127.0.0.1) with all its CPUs; plugins are
# the ones that need neither cgroups nor systemd (proctrack/linuxproc,
# task/none, jobacct_gather/none).
set -euo pipefail

STATE_DIR=${DISTILL_SLURM_DIR:-/tmp/distill-slurm}
CLUSTER=${DISTILL_SLURM_CLUSTER:-distill-local}
DB_PORT=${DISTILL_SLURM_DB_PORT:-3307}
CTLD_PORT=${DISTILL_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=${DISTILL_SLURM_SLURMD_PORT:-6818}
DBD_PORT=${DISTILL_SLURM_DBD_PORT:-6819}
PACKAGES="slurmctld slurmd slurmdbd slurm-client slurm-wlm-basic-plugins slurm-wlm-mysql-plugin munge mariadb-server mariadb-client"

ETC=$STATE_DIR/etc
RUN=$STATE_DIR/run
LOG=$STATE_DIR/log
CONF=$ETC/slurm.conf
DB_DIR=$STATE_DIR/mysql
DB_SOCK=$RUN/mysqld.sock
NODE=$(hostname -s)
# Stop order is the reverse of this start order.
DAEMONS="munged mariadbd slurmdbd slurmctld slurmd"

die() { echo "local_cluster: $*" >&2; exit 1; }

pid_of() {  # the recorded PID of daemon $1 if that process is alive
    local f=$RUN/$1.pid
    [[ -s $f ]] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        (( SECONDS < deadline )) || die "timed out after ${seconds}s waiting for $what (logs: $LOG)"
        sleep 0.2
    done
}

install() {
    [[ $(id -u) == 0 ]] || die "install needs root"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PACKAGES
}

write_configs() {
    local cpus mem_mb
    cpus=$(nproc)
    mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
    mkdir -p "$ETC" "$RUN" "$LOG" "$STATE_DIR/spool/ctld" "$STATE_DIR/spool/d"
    cat > "$CONF" <<EOF
# Written by scripts/slurm/local_cluster.sh; one node, this machine.
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE_DIR/spool/ctld
SlurmdSpoolDir=$STATE_DIR/spool/d
SlurmctldPidFile=$RUN/slurmctld.daemon.pid
SlurmdPidFile=$RUN/slurmd.daemon.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
JobCompType=jobcomp/none
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    cat > "$ETC/slurmdbd.conf" <<EOF
# Written by scripts/slurm/local_cluster.sh.
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
PidFile=$RUN/slurmdbd.daemon.pid
LogFile=$LOG/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=slurm
StorageLoc=slurm_acct_db
EOF
    chmod 600 "$ETC/slurmdbd.conf"  # slurmdbd refuses a readable file holding a password
}

start_munged() {
    if munge -n >/dev/null 2>&1; then
        echo "munged: already running (not started here; left alone)"
        return
    fi
    [[ -s /etc/munge/munge.key ]] || { mungekey --create --keyfile=/etc/munge/munge.key; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge
    setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F >"$LOG/munged.out" 2>&1 &
    echo $! > "$RUN/munged.pid"
    wait_for 15 munged munge -n
}

mysql_root() { mariadb --protocol=socket --socket="$DB_SOCK" -u root "$@"; }

start_mariadb() {
    if [[ ! -d $DB_DIR/mysql ]]; then
        mkdir -p "$DB_DIR"
        chown mysql:mysql "$DB_DIR"
        mariadb-install-db --user=mysql --datadir="$DB_DIR" --auth-root-authentication-method=socket >"$LOG/mariadb-install.log" 2>&1 \
            || die "mariadb-install-db failed; see $LOG/mariadb-install.log"
    fi
    chown mysql:mysql "$RUN"
    /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DB_DIR" --socket="$DB_SOCK" \
        --bind-address=127.0.0.1 --port="$DB_PORT" --pid-file="$RUN/mariadbd.daemon.pid" \
        --log-error="$LOG/mariadb.log" --innodb-buffer-pool-size=64M >"$LOG/mariadb.out" 2>&1 &
    echo $! > "$RUN/mariadbd.pid"
    wait_for 60 mariadb mysql_root -e "SELECT 1"
    mysql_root -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurm';
                   CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurm';
                   GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
                   GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
}

start_slurm() {
    SLURM_CONF=$CONF /usr/sbin/slurmdbd -D >"$LOG/slurmdbd.out" 2>&1 &
    echo $! > "$RUN/slurmdbd.pid"
    wait_for 60 slurmdbd env SLURM_CONF="$CONF" sacctmgr -n list cluster
    if ! SLURM_CONF=$CONF sacctmgr -n -P list cluster format=cluster | grep -qx "$CLUSTER"; then
        SLURM_CONF=$CONF sacctmgr -i add cluster "$CLUSTER" >/dev/null
    fi
    SLURM_CONF=$CONF /usr/sbin/slurmctld -D -i >"$LOG/slurmctld.out" 2>&1 &
    echo $! > "$RUN/slurmctld.pid"
    wait_for 30 slurmctld env SLURM_CONF="$CONF" scontrol ping
    SLURM_CONF=$CONF /usr/sbin/slurmd -D -N "$NODE" >"$LOG/slurmd.out" 2>&1 &
    echo $! > "$RUN/slurmd.pid"
    wait_for 30 "node $NODE idle" node_idle
}

node_idle() { SLURM_CONF=$CONF sinfo -h -n "$NODE" -o %t | grep -qE '^(idle|mix|alloc)'; }

start() {
    [[ $(id -u) == 0 ]] || die "start needs root (daemons run as root or drop to munge/mysql)"
    for bin in munged mariadbd mariadb-install-db slurmdbd slurmctld slurmd; do
        command -v "$bin" >/dev/null || [[ -x /usr/sbin/$bin ]] || die "$bin not installed; run: $0 install"
    done
    for d in $DAEMONS; do
        if pid=$(pid_of "$d"); then die "$d already running (pid $pid); run: $0 stop"; fi
    done
    write_configs
    start_munged
    start_mariadb
    start_slurm
    echo "SLURM cluster '$CLUSTER' up: node $NODE, partition debug, $(nproc) CPUs. Logs: $LOG"
    echo "export SLURM_CONF=$CONF"
}

stop() {
    local d pid
    for d in $(echo "$DAEMONS" | tr ' ' '\n' | tac); do
        if pid=$(pid_of "$d"); then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
            echo "$d: stopped (pid $pid)"
        fi
        rm -f "$RUN/$d.pid"
    done
}

status() {
    local d pid down=0
    for d in $DAEMONS; do
        if pid=$(pid_of "$d"); then echo "$d: running (pid $pid)"; else echo "$d: not running"; down=1; fi
    done
    if [[ $down == 0 ]]; then
        SLURM_CONF=$CONF sinfo
        echo "export SLURM_CONF=$CONF"
    fi
    return $down
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 install|start|stop|status   (state in \$DISTILL_SLURM_DIR, default /tmp/distill-slurm)" >&2; exit 2 ;;
esac
