"""NETCONF RPC handlers of the Junos emulator: one method per Junos RPC, returning the reply body.

A handler returns a list of lxml elements (the children of ``<rpc-reply>``) or raises `DatabaseError`;
the session renders that as ``<rpc-error>`` elements. Unknown RPCs are refused, as real Junos does.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from typing import TYPE_CHECKING, Callable

from lxml import etree

from routerlab.junos import config as cfg
from routerlab.junos import neighbors, policy, routes
from routerlab.junos.database import Client, DatabaseError, RpcErrorInfo
from routerlab.junos.elements import JUNOS_VERSION, E

if TYPE_CHECKING:
    from routerlab.junos.server import JunosDevice

PRODUCT_MODEL = "vmx"
#: the routing instance junos-eznc's current_re fact asks about (internal RE addresses)
PRIVATE_INSTANCE = "__juniper_private1__"


class DropConnection(Exception):
    """Close the client's connection without replying (the drop_next_commit and drop_next_load faults)."""


def _date_time(tag: str, seconds: float, fmt: str = "%Y-%m-%d %H:%M:%S UTC") -> etree._Element:
    return E(tag, text=time.strftime(fmt, time.gmtime(seconds)), junos_seconds=str(int(seconds)))


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    text = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{days}d {text}" if days else text


class RpcHandlers:
    """The RPCs of one session; `dispatch` finds the handler for a request element."""

    def __init__(self, device: "JunosDevice", client: Client) -> None:
        self.device = device
        self.client = client
        self.db = device.db
        self.handlers: dict[str, Callable[[etree._Element], list]] = {
            "lock-configuration": self.lock_configuration,
            "unlock-configuration": self.unlock_configuration,
            "lock": self.lock_configuration,  # standard NETCONF <lock><target><candidate/>
            "unlock": self.unlock_configuration,
            "open-configuration": self.open_configuration,
            "close-configuration": self.close_configuration,
            "load-configuration": self.load_configuration,
            "get-configuration": self.get_configuration,
            "commit-configuration": self.commit_configuration,
            "get-commit-revision-information": self.get_commit_revision_information,
            "get-system-uptime-information": self.get_system_uptime_information,
            "get-software-information": self.get_software_information,
            "get-interface-information": self.get_interface_information,
            "get-chassis-inventory": self.get_chassis_inventory,
            "get-route-engine-information": self.get_route_engine_information,
            "get-route-information": self.get_route_information,
            "get-instance-information": self.get_instance_information,
            "get-bgp-neighbor-information": self.get_bgp_neighbor_information,
            "get-bgp-summary-information": self.get_bgp_summary_information,
            # the standard NETCONF operations (RFC 6241) ncclient's manager offers, as Junos maps them
            "get-config": self.get_config,
            "commit": self.commit,
            "discard-changes": self.discard_changes,
            "validate": self.validate,
        }

    def dispatch(self, request: etree._Element) -> list:
        handler = self.handlers.get(request.tag)
        if handler is None:
            # what Junos answers for an RPC it does not know: the RPC's name as the bad element
            raise DatabaseError(RpcErrorInfo(message="syntax error", bad_element=request.tag))
        return handler(request)

    # -- helpers -------------------------------------------------------------------------------------
    @property
    def lock_fault(self) -> str | None:
        return self.device.faults.lock_held_by

    @staticmethod
    def _flag(request: etree._Element, name: str) -> bool:
        return request.find(name) is not None or request.get(name) is not None

    @staticmethod
    def _ok() -> list:
        return [E("ok")]

    # -- locking and private mode ------------------------------------------------------------------------
    def lock_configuration(self, request) -> list:
        self.db.lock(self.client, self.lock_fault)
        return self._ok()

    def unlock_configuration(self, request) -> list:
        self.db.unlock(self.client)
        return self._ok()

    def open_configuration(self, request) -> list:
        if request.find("private") is None:
            raise DatabaseError(RpcErrorInfo(message="only open-configuration <private/> is supported",
                                             bad_element=(request[0].tag if len(request) else "")))
        self.db.open_private(self.client, self.lock_fault)
        return self._ok()

    def close_configuration(self, request) -> list:
        self.db.close_private(self.client)
        return self._ok()

    # -- load ----------------------------------------------------------------------------------------
    def load_configuration(self, request) -> list:
        if self.device.faults.drop_next_load:
            self.device.faults.drop_next_load = False
            raise DropConnection()
        rollback = request.get("rollback")
        if rollback is not None:
            try:
                number = int(rollback)
            except ValueError:
                raise DatabaseError(RpcErrorInfo(message="invalid rollback number", bad_element=rollback))
            self.db.set_candidate(self.client, self.db.rollback_tree(number), self.lock_fault)
            self.client.loaded_rollback = number or None
            return [E("load-configuration-results", E("ok"))]
        action = request.get("action", "merge")
        fmt = request.get("format", "xml")
        if request.get("url") is not None:
            raise DatabaseError(RpcErrorInfo(message="loading from a url is not supported by the lab",
                                             bad_element="url"))
        if fmt != "text":
            raise DatabaseError(RpcErrorInfo(
                message=f"format {fmt!r} is not supported by the lab: load text (curly braces or set lines)",
                bad_element=fmt))
        candidate = self.db.candidate_for(self.client)
        try:
            if action == "set":
                body = request.find("configuration-set")
                tree = cfg.apply_set_lines(candidate, body.text or "" if body is not None else "")
            else:
                body = request.find("configuration-text")
                if body is None:
                    raise DatabaseError(RpcErrorInfo(message="missing configuration-text",
                                                     bad_element="load-configuration"))
                loaded = cfg.parse_text(body.text or "")
                if action in ("override", "update"):
                    tree = loaded.tree
                elif action == "replace":
                    tree = cfg.apply_load(candidate, loaded)
                elif action == "merge":
                    tree = cfg.apply_load(candidate, cfg.TaggedTree(loaded.tree, delete_paths=loaded.delete_paths))
                else:
                    raise DatabaseError(RpcErrorInfo(message=f"invalid action {action!r}", bad_element=action))
        except cfg.ConfigSyntaxError as exc:
            error = render_error(RpcErrorInfo(message=exc.message, bad_element=exc.bad_element))
            return [E("load-configuration-results", error, E("load-error-count", text="1"))]
        self.db.set_candidate(self.client, tree, self.lock_fault)
        self.client.loaded_rollback = None
        return [E("load-configuration-results", E("ok"))]

    # -- get-configuration -------------------------------------------------------------------------------
    def get_configuration(self, request) -> list:
        fmt = request.get("format", "xml")
        if request.get("compare") == "rollback":
            try:
                number = int(request.get("rollback", "0"))
            except ValueError:
                raise DatabaseError(RpcErrorInfo(message="invalid rollback number",
                                                 bad_element=request.get("rollback")))
            text = cfg.diff(self.db.rollback_tree(number), self.db.candidate_for(self.client))
            # Junos starts the output with a newline; "\n" alone means no difference
            return [E("configuration-information", E("configuration-output", text="\n" + text))]
        database = request.get("database", "candidate")
        if database == "committed":
            tree = self.db.committed
        elif database == "candidate":
            tree = self.db.candidate_for(self.client)
        else:
            raise DatabaseError(RpcErrorInfo(message=f"invalid database {database!r}", bad_element=database))
        if fmt == "text":
            return [E("configuration-text", text=tree.render())]
        if fmt == "set":
            return [E("configuration-set", text="\n".join(tree.set_lines()) + "\n")]
        if fmt != "xml":
            raise DatabaseError(RpcErrorInfo(message=f"format {fmt!r} is not supported by the lab",
                                             bad_element=fmt))
        last = self.db.revisions[-1] if self.db.revisions else None
        attrs = {}
        if last is not None:
            attrs = {"junos_commit-seconds": str(int(last.time)),
                     "junos_commit-localtime": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(last.time)),
                     "junos_commit-user": last.user}
        xml = E("configuration", *to_xml(tree), **attrs)
        wanted = request.find("configuration")
        if wanted is not None:
            _prune(xml, wanted)
        return [xml]

    # -- commit ----------------------------------------------------------------------------------------
    def commit_configuration(self, request) -> list:
        faults = self.device.faults
        if faults.drop_next_commit:
            faults.drop_next_commit = False
            raise DropConnection()
        if self._flag(request, "check"):
            self.db.check(self.client)
            return [E("commit-results", E("routing-engine", E("name", text="re0"), E("commit-check-success"),
                                          junos_style="normal"))]
        if faults.fail_next_commit:
            message, faults.fail_next_commit = faults.fail_next_commit, None
            raise DatabaseError(RpcErrorInfo(message=message))
        confirm = None
        if self._flag(request, "confirmed"):
            timeout = request.findtext("confirm-timeout")
            try:
                confirm = int(timeout) if timeout else 10
            except ValueError:
                raise DatabaseError(RpcErrorInfo(message="invalid confirm-timeout", bad_element=timeout))
            if not 1 <= confirm <= 65535:
                raise DatabaseError(RpcErrorInfo(message="confirm-timeout out of range (1..65535)",
                                                 bad_element=str(confirm)))
        log = request.findtext("log") or ""
        revision = self.db.commit(self.client, log=log, confirm_minutes=confirm, faults_lock_user=self.lock_fault)
        return [E("commit-results", E("routing-engine", E("name", text="re0"), E("commit-success"),
                                      E("commit-revision", text=revision.revision), junos_style="normal"))]

    # -- standard NETCONF operations ----------------------------------------------------------------------
    def get_config(self, request) -> list:
        source = request.find("source")
        database = source[0].tag if source is not None and len(source) else "running"
        if database not in ("running", "candidate"):
            raise DatabaseError(RpcErrorInfo(message=f"unsupported source {database!r}", bad_element=database))
        tree = self.db.committed if database == "running" else self.db.candidate_for(self.client)
        xml = E("configuration", *to_xml(tree))
        wanted = request.find("filter/configuration")
        if wanted is not None:
            _prune(xml, wanted)
        return [E("data", xml)]

    def commit(self, request) -> list:
        """``<commit>``: as commit-configuration, with the standard confirm-timeout in seconds."""
        translated = E("commit-configuration")
        if request.find("confirmed") is not None:
            seconds = request.findtext("confirm-timeout") or "600"
            try:
                minutes = max(1, -(-int(seconds) // 60))  # Junos times confirmed commits in whole minutes
            except ValueError:
                raise DatabaseError(RpcErrorInfo(message="invalid confirm-timeout", bad_element=seconds))
            translated.extend([E("confirmed"), E("confirm-timeout", text=str(minutes))])
        self.commit_configuration(translated)
        return self._ok()

    def discard_changes(self, request) -> list:
        self.db.set_candidate(self.client, self.db.rollback_tree(0), self.lock_fault)
        return self._ok()

    def validate(self, request) -> list:
        self.db.check(self.client)
        return self._ok()

    def get_commit_revision_information(self, request) -> list:
        if not self.db.revisions:
            raise DatabaseError(RpcErrorInfo(message="no commit revision information available"))
        last = self.db.revisions[-1]
        children = [_date_time("date-time", last.time), E("revision", text=last.revision),
                    E("user", text=last.user), E("client", text="netconf")]
        if last.junos_comment:
            children.append(E("comment", text=last.junos_comment))
        return [E("commit-revision-information", *children)]

    # -- operational state ---------------------------------------------------------------------------------
    def get_system_uptime_information(self, request) -> list:
        now = self.device.clock.now()
        boot = self.device.boot_time
        last = self.db.revisions[-1] if self.db.revisions else None
        children = [
            E("current-time", _date_time("date-time", now)),
            E("time-source", text=" LOCAL CLOCK "),
            E("system-booted-time", _date_time("date-time", boot),
              E("time-length", text=_duration(now - boot), junos_seconds=str(int(now - boot)))),
            E("protocols-started-time", _date_time("date-time", boot + 1),
              E("time-length", text=_duration(now - boot - 1), junos_seconds=str(max(0, int(now - boot - 1))))),
        ]
        if last is not None:
            children.append(E("last-configured-time", _date_time("date-time", last.time),
                              E("time-length", text=_duration(now - last.time),
                                junos_seconds=str(int(now - last.time))),
                              E("user", text=last.user)))
        children.append(E("uptime-information", _date_time("date-time", now, "%I:%M%p"),
                          E("up-time", text=_duration(now - boot), junos_seconds=str(int(now - boot))),
                          E("active-user-count", text=str(len(self.db.clients)),
                            format=f"{len(self.db.clients)} users")))
        return [E("system-uptime-information", *children)]

    def get_software_information(self, request) -> list:
        return [E("software-information",
                  E("host-name", text=self.device.hostname()),
                  E("product-model", text=PRODUCT_MODEL),
                  E("product-name", text=PRODUCT_MODEL),
                  E("junos-version", text=JUNOS_VERSION),
                  E("package-information", E("name", text="junos"),
                    E("comment", text=f"JUNOS Software Release [{JUNOS_VERSION}]")))]

    def get_chassis_inventory(self, request) -> list:
        return [E("chassis-inventory",
                  E("chassis", E("name", text="Chassis"), E("serial-number", text=self.device.serial_number()),
                    E("description", text=PRODUCT_MODEL.upper()),
                    E("chassis-module", E("name", text="Routing Engine 0"), E("description", text="RE-VMX")),
                    junos_style="inventory"))]

    def get_route_engine_information(self, request) -> list:
        now = self.device.clock.now()
        return [E("route-engine-information",
                  E("route-engine", E("slot", text="0"), E("mastership-state", text="master"),
                    E("model", text="RE-VMX"), E("status", text="OK"),
                    E("up-time", text=_duration(now - self.device.boot_time),
                      junos_seconds=str(int(now - self.device.boot_time)))))]

    def get_route_information(self, request) -> list:
        destination = request.findtext("destination")
        if destination is not None:
            try:
                routes.validate_destination(destination)
            except ValueError:
                raise DatabaseError(RpcErrorInfo(message="syntax error", bad_element=destination)) from None
        protocol = request.findtext("protocol")
        advertising = request.findtext("advertising-protocol-name")
        if advertising is not None:
            neighbor = (request.findtext("neighbor") or "").strip()
            try:
                known = str(ipaddress.ip_address(neighbor)) in policy.neighbor_chains(self.db.committed)
            except ValueError:
                known = False
            if advertising.strip() != "bgp" or not known:
                raise DatabaseError(RpcErrorInfo(message=f"BGP peer {neighbor or '(none)'} not found",
                                                 bad_element=neighbor or "neighbor", error_type="protocol"))
            return routes.advertised_information(self.device, neighbor, destination and destination.strip())
        return routes.route_information(self.device, destination and destination.strip(),
                                        protocol and protocol.strip().lower())

    @staticmethod
    def _text(request: etree._Element, name: str) -> str | None:
        text = request.findtext(name)
        return text.strip() if text is not None and text.strip() else None

    def get_instance_information(self, request) -> list:
        return neighbors.instance_information(self.device)

    def get_bgp_neighbor_information(self, request) -> list:
        address = self._text(request, "neighbor-address")
        if address is not None:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise DatabaseError(RpcErrorInfo(message="syntax error", bad_element=address)) from None
        return neighbors.neighbor_information(self.device, self._text(request, "instance"), address)

    def get_bgp_summary_information(self, request) -> list:
        return neighbors.summary_information(self.device, self._text(request, "instance"))

    def get_interface_information(self, request) -> list:
        if request.findtext("routing-instance") == PRIVATE_INSTANCE:
            # the emulated router has a single routing engine and no internal RE interfaces
            return [E("interface-information", junos_style="terse")]
        terse = self._flag(request, "terse")
        wanted = request.findtext("interface-name")
        interfaces = []
        for name, description, units in self.device.interfaces():
            if wanted and name != wanted:
                continue
            physical = [E("name", text=name), E("admin-status", text="up"), E("oper-status", text="up")]
            if description is not None and not terse:
                physical.append(E("description", text=description))  # Junos omits it when unset
            if not terse:
                physical += [E("mtu", text="1514"), E("speed", text="1000mbps"),
                             E("current-physical-address", text=self.device.mac_address(name)),
                             E("interface-flapped", text="Never", junos_seconds="0")]
            for unit, addresses in units:
                families = [E("address-family", E("address-family-name", text="inet"),
                              *[E("interface-address", E("ifa-local", text=address)) for address in addresses])]
                physical.append(E("logical-interface", E("name", text=f"{name}.{unit}"),
                                  E("admin-status", text="up"), E("oper-status", text="up"), *families))
            interfaces.append(E("physical-interface", *physical))
        if wanted and not interfaces:
            raise DatabaseError(RpcErrorInfo(message=f"device {wanted} not found", bad_element=wanted,
                                             error_type="protocol"))
        return [E("interface-information", *interfaces, **({"junos_style": "terse"} if terse else {}))]


def render_error(error: RpcErrorInfo) -> etree._Element:
    children = [E("error-type", text=error.error_type), E("error-tag", text=error.tag),
                E("error-severity", text=error.severity)]
    if error.path:
        children.append(E("error-path", text=error.path))
    children.append(E("error-message", text=error.message))
    info = []
    if error.bad_element:
        info.append(E("bad-element", text=error.bad_element))
    if error.session_id is not None:
        info.append(E("session-id", text=str(error.session_id)))
    if info:
        children.append(E("error-info", *info))
    return E("rpc-error", *children)


# -- configuration as Junos XML (the junos-eznc facts ask for <system><domain-name/> this way) ------------
_XML_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
_NAME_TAGS = {"interfaces": "interface", "routing-instances": "instance", "groups": "groups"}


def to_xml(node: cfg.Node, parent_key: str = "") -> list[etree._Element]:
    elements = []
    for child in node.children.values():
        words = child.name_words
        if child.kind == "list":
            elements.extend(E(child.key, text=value) for value in child.values)
        elif child.kind == "leaf" and not _XML_NAME.match(child.words[0]):
            # a bare value (a prefix in a prefix-list): Junos names the element after the list
            item = "prefix-list-item" if parent_key.startswith("prefix-list") else "item"
            elements.append(E(item, E("name", text=" ".join(child.words))))
        elif child.kind == "leaf":
            elements.append(E(child.words[0], text=" ".join(child.words[1:])) if len(child.words) > 1
                            else E(child.words[0]))
        elif parent_key in _NAME_TAGS:
            elements.append(E(_NAME_TAGS[parent_key], E("name", text=child.key), *to_xml(child, child.key)))
        elif len(words) > 1:
            elements.append(E(words[0], E("name", text=" ".join(words[1:])), *to_xml(child, child.key)))
        else:
            elements.append(E(words[0], *to_xml(child, child.key)))
    return elements


def _prune(element: etree._Element, wanted: etree._Element) -> None:
    """Keep only the parts of `element` the filter `wanted` asks for (an empty filter keeps everything)."""
    if len(wanted) == 0:
        return
    tags = {child.tag for child in wanted}
    for child in list(element):
        if child.tag not in tags:
            element.remove(child)
        else:
            _prune(child, wanted.find(child.tag))


def serial_for(name: str) -> str:
    return "VM" + hashlib.sha256(name.encode()).hexdigest()[:10].upper()
