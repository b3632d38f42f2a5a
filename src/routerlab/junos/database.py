"""The Junos configuration database: committed config, rollbacks, the shared and private candidates, the
exclusive lock and the commit-confirmed timer.

Every refusal is a `DatabaseError` carrying the rpc-error fields real Junos sends, so the RPC layer only
has to render it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from routerlab.junos import config as cfg

if TYPE_CHECKING:
    from asyncio import TimerHandle

    from routerlab.clock import LabClock

#: Junos keeps rollback 0 (the active config) to rollback 49
MAX_ROLLBACKS = 50


@dataclass
class RpcErrorInfo:
    message: str
    tag: str = "operation-failed"
    error_type: str = "protocol"
    path: str | None = None
    bad_element: str | None = None
    severity: str = "error"
    session_id: int | None = None


class DatabaseError(Exception):
    def __init__(self, *errors: RpcErrorInfo) -> None:
        super().__init__("; ".join(error.message for error in errors))
        self.errors = list(errors)


@dataclass
class Client:
    """One NETCONF session's view of the database."""
    session_id: int
    user: str
    login_time: float
    #: the private candidate (``open-configuration private``) and the committed config it started from
    private: cfg.Node | None = None
    private_base: cfg.Node | None = None
    #: the rollback number this client's last load restored (its commit is recorded as a rollback)
    loaded_rollback: int | None = None


@dataclass
class Revision:
    time: float
    revision: str
    user: str
    #: Junos' own comment, e.g. "commit confirmed, rollback in 5mins"
    junos_comment: str | None = None
    log: str = ""


@dataclass
class PendingConfirm:
    minutes: int
    restore: cfg.Node
    handle: "TimerHandle"


@dataclass
class ConfigDatabase:
    clock: "LabClock"
    committed: cfg.Node
    #: called as record(user, comment, kind) after every change of the committed config
    record: Callable[[str, str, str], None]
    rollbacks: list[cfg.Node] = field(default_factory=list)  # [0] is the committed config
    candidate: cfg.Node = None  # type: ignore[assignment]
    #: session id of the client whose uncommitted changes sit in the shared candidate
    candidate_owner: int | None = None
    lock_owner: Client | None = None
    pending: PendingConfirm | None = None
    revisions: list[Revision] = field(default_factory=list)
    clients: dict[int, Client] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.rollbacks:
            self.rollbacks = [self.committed.copy()]
        self.candidate = self.committed.copy()

    # -- sessions ---------------------------------------------------------------------------------
    def attach(self, client: Client) -> None:
        self.clients[client.session_id] = client

    def detach(self, client: Client) -> None:
        """A session ended: its private candidate goes, and so do changes it made under the lock."""
        self.clients.pop(client.session_id, None)
        if self.lock_owner is client:
            self._release_lock(client)
        elif self.candidate_owner == client.session_id and self.lock_owner is None \
                and self.candidate == self.committed:
            self.candidate_owner = None

    def reset_sessions(self) -> None:
        """Reboot: candidates, locks and the confirm timer are lost; a pending confirmed commit reverts."""
        for client in list(self.clients.values()):
            client.private = client.private_base = None
        self.clients.clear()
        self.lock_owner = None
        self.candidate_owner = None
        if self.pending is not None:
            self._auto_revert()
        self.candidate = self.committed.copy()

    # -- locking ----------------------------------------------------------------------------------
    def _locked_by_other(self, client: Client, faults_lock_user: str | None) -> RpcErrorInfo | None:
        if faults_lock_user:
            return self._lock_denied(faults_lock_user, client.session_id + 1000, self.clock.now() - 60)
        holder = self.lock_owner
        if holder is not None and holder is not client:
            return self._lock_denied(holder.user, holder.session_id, holder.login_time)
        return None

    def _lock_denied(self, user: str, pid: int, since: float) -> RpcErrorInfo:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(since))
        return RpcErrorInfo(
            message=(f"configuration database locked by:\n  {user} terminal pts/{pid % 10} (pid {pid}) "
                     f"on since {stamp}\n      exclusive [edit]"),
            tag="lock-denied", session_id=pid)

    def lock(self, client: Client, faults_lock_user: str | None) -> None:
        denied = self._locked_by_other(client, faults_lock_user)
        if denied is not None:
            raise DatabaseError(denied)
        if self.candidate != self.committed and self.candidate_owner not in (None, client.session_id):
            raise DatabaseError(RpcErrorInfo(message="configuration database modified", tag="lock-denied"))
        self.lock_owner = client

    def unlock(self, client: Client) -> None:
        if self.lock_owner is not client:
            raise DatabaseError(RpcErrorInfo(message="configuration database not locked by this session"))
        self._release_lock(client)

    def _release_lock(self, client: Client) -> None:
        # leaving exclusive mode discards the changes made in it (configure exclusive semantics)
        if self.candidate_owner == client.session_id:
            self.candidate = self.committed.copy()
            self.candidate_owner = None
        self.lock_owner = None

    # -- private candidates -------------------------------------------------------------------------------
    def open_private(self, client: Client, faults_lock_user: str | None) -> None:
        denied = self._locked_by_other(client, faults_lock_user)
        if denied is not None:
            raise DatabaseError(denied)
        if self.candidate != self.committed:
            raise DatabaseError(RpcErrorInfo(message="shared configuration database modified",
                                             tag="resource-denied"))
        if client.private is None:
            client.private = self.committed.copy()
            client.private_base = self.committed.copy()

    def close_private(self, client: Client) -> None:
        client.private = client.private_base = None

    # -- candidate --------------------------------------------------------------------------------
    def candidate_for(self, client: Client) -> cfg.Node:
        return client.private if client.private is not None else self.candidate

    def set_candidate(self, client: Client, tree: cfg.Node, faults_lock_user: str | None) -> None:
        if client.private is not None:
            client.private = tree
            return
        denied = self._locked_by_other(client, faults_lock_user)
        if denied is not None:
            raise DatabaseError(denied)
        self.candidate = tree
        if tree == self.committed:
            self.candidate_owner = None
        elif self.candidate_owner is None:
            self.candidate_owner = client.session_id

    def rollback_tree(self, number: int) -> cfg.Node:
        if not 0 <= number < MAX_ROLLBACKS:
            raise DatabaseError(RpcErrorInfo(message=f"invalid rollback number: {number}",
                                             bad_element=str(number)))
        if number >= len(self.rollbacks):
            raise DatabaseError(RpcErrorInfo(message=f"rollback {number} does not exist",
                                             bad_element=str(number)))
        return self.rollbacks[number].copy()

    # -- commit -----------------------------------------------------------------------------------
    def check(self, client: Client) -> None:
        errors = [RpcErrorInfo(message=message, path=path, error_type="protocol")
                  for path, message in cfg.reference_errors(self.candidate_for(client))
                  + cfg.community_errors(self.candidate_for(client))]
        if errors:
            errors.append(RpcErrorInfo(message="configuration check-out failed"))
            raise DatabaseError(*errors)

    def commit(self, client: Client, *, log: str = "", confirm_minutes: int | None = None,
               faults_lock_user: str | None = None) -> Revision:
        if client.private is None:
            denied = self._locked_by_other(client, faults_lock_user)
            if denied is not None:
                raise DatabaseError(denied)
        elif confirm_minutes is not None:
            # Juniper, "Commit the Candidate Configuration Only After Confirmation Using the Junos XML
            # Protocol": a confirmed commit cannot be performed on a private copy of the configuration
            raise DatabaseError(RpcErrorInfo(
                message="commit confirmed is not supported on a private copy of the configuration"))
        elif client.private_base != self.committed:
            raise DatabaseError(RpcErrorInfo(
                message="configuration database modified: the private candidate is out of date"))
        self.check(client)
        new = self.candidate_for(client).copy()
        previous = self.committed
        kind = "commit"
        if self.pending is not None and confirm_minutes is None:
            kind = "confirm"
        elif client.loaded_rollback:
            kind = "rollback"
        client.loaded_rollback = None
        if self.pending is not None:
            self.pending.handle.cancel()
            restore = self.pending.restore
            self.pending = None
        else:
            restore = previous
        junos_comment = None
        if confirm_minutes is not None:
            kind = "commit confirmed"
            junos_comment = f"commit confirmed, rollback in {confirm_minutes}mins"
            handle = self.clock.call_later(confirm_minutes * 60, self._auto_revert)
            self.pending = PendingConfirm(confirm_minutes, restore.copy(), handle)
        if client.private is not None:
            client.private = new.copy()
            client.private_base = new.copy()
            if self.candidate == previous:
                self.candidate = new.copy()
        else:
            self.candidate = new.copy()
            self.candidate_owner = None
        return self._install(new, client.user, log, kind, junos_comment)

    def _install(self, tree: cfg.Node, user: str, log: str, kind: str,
                 junos_comment: str | None = None) -> Revision:
        self.committed = tree
        self.rollbacks.insert(0, tree.copy())
        del self.rollbacks[MAX_ROLLBACKS:]
        now = self.clock.now()
        revision = Revision(time=now, revision=f"re0-{int(now)}-{len(self.revisions) + 1}", user=user,
                            junos_comment=junos_comment, log=log)
        self.revisions.append(revision)
        self.record(user, log if kind != "auto-revert" else "automatic rollback of an unconfirmed commit", kind)
        return revision

    def _auto_revert(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        pending.handle.cancel()
        self._install(pending.restore.copy(), "root", "", "auto-revert")
        self.candidate = self.committed.copy()
        self.candidate_owner = None
        for client in self.clients.values():
            if client.private is not None:
                client.private_base = self.committed.copy()
