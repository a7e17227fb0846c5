#!/usr/bin/python3
# fake-sync-service: a stand-in for cercle-syncd on the session bus, for the
# app's tests and screenshots while the real service is built elsewhere. It
# owns fr.cercle.Cercle.Sync and exports the interface of
# src/libcercle/fr.cercle.Cercle.Sync.xml (read from the source tree), with
# the properties given on the command line; it never talks to a server.
#
#   /usr/bin/python3 fake-sync-service.py INTERFACE_XML [--state S] [--pending N]
#       [--refused N] [--last-sync-ago SECONDS] [--login L] [--server URL]
#       [--last-error TEXT]
#
# Prints "ready" once it owns the name. Each line on standard input
# "set PROPERTY VALUE" changes a property (PropertiesChanged follows); SignIn
# fails with a French message unless the password is "cercle-demo". Runs
# with Debian's /usr/bin/python3 (gi from apt).
#
# Copyright 2026 The Cercle authors
# SPDX-License-Identifier: GPL-3.0-or-later

import argparse
import sys
import time

from gi.repository import Gio, GLib

NAME = 'fr.cercle.Cercle.Sync'
PATH = '/fr/cercle/Cercle/Sync'
SIGNATURES = {'State': 's', 'LastError': 's', 'LastSync': 'x', 'PendingCount': 'u',
              'RefusedCount': 'u', 'ServerUrl': 's', 'Login': 's', 'Practitioner': 's',
              'Organization': 's'}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('xml')
    parser.add_argument('--state', default='signed-out')
    parser.add_argument('--pending', type=int, default=0)
    parser.add_argument('--refused', type=int, default=0)
    parser.add_argument('--last-sync-ago', type=int, default=-1)
    parser.add_argument('--login', default='')
    parser.add_argument('--server', default='')
    parser.add_argument('--last-error', default='')
    args = parser.parse_args()

    with open(args.xml, encoding='utf-8') as f:
        info = Gio.DBusNodeInfo.new_for_xml(f.read()).lookup_interface(NAME)
    props = {
        'State': args.state, 'LastError': args.last_error,
        'LastSync': int((time.time() - args.last_sync_ago) * 1e6) if args.last_sync_ago >= 0 else 0,
        'PendingCount': args.pending, 'RefusedCount': args.refused,
        'ServerUrl': args.server, 'Login': args.login,
        'Practitioner': 'Practitioner/pr-martin' if args.login else '', 'Organization': '',
    }
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    loop = GLib.MainLoop()

    def changed(names):
        bus.emit_signal(None, PATH, 'org.freedesktop.DBus.Properties', 'PropertiesChanged',
                        GLib.Variant('(sa{sv}as)', (NAME, {n: GLib.Variant(SIGNATURES[n], props[n])
                                                           for n in names}, [])))

    def method_call(connection, sender, path, interface, method, params, invocation):
        if method == 'SignIn':
            server, login, password = params.unpack()
            if password != 'cercle-demo':
                invocation.return_dbus_error('fr.cercle.Cercle.Sync.Error.SignIn',
                                             'Identifiant ou mot de passe incorrect.')
                return
            props.update(State='idle', ServerUrl=server, Login=login)
            changed(['State', 'ServerUrl', 'Login'])
        elif method == 'SignOut':
            props.update(State='signed-out', ServerUrl='', Login='', PendingCount=0)
            changed(['State', 'ServerUrl', 'Login', 'PendingCount'])
        invocation.return_value(None)

    def get_property(connection, sender, path, interface, name):
        return GLib.Variant(SIGNATURES[name], props[name])

    bus.register_object(PATH, info, method_call, get_property, None)

    def on_line(channel, condition):
        line = sys.stdin.readline()
        if not line:
            loop.quit()
            return False
        parts = line.rstrip('\n').split(' ', 2)
        if len(parts) == 3 and parts[0] == 'set' and parts[1] in SIGNATURES:
            name, value = parts[1], parts[2]
            props[name] = value if SIGNATURES[name] == 's' else int(value)
            changed([name])
        return True

    def acquired(connection, name):
        print('ready', flush=True)

    Gio.bus_own_name_on_connection(bus, NAME, Gio.BusNameOwnerFlags.NONE, acquired, lambda *a: loop.quit())
    GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT,
                      GLib.IOCondition.IN | GLib.IOCondition.HUP, on_line)
    loop.run()


if __name__ == '__main__':
    main()
