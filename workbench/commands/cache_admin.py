"""``workbench cache encrypt|rekey``: convert a plain cache, rotate the cache's key."""

from __future__ import annotations

import argparse

from workbench.core.cache_crypto import encrypt_cache, rekey_cache
from workbench.core.config import load_settings

from .common import add_cache_options, add_format_option, cache_path, print_json, progress


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("cache", help="encrypt a plain cache or rotate its key")
    actions = p.add_subparsers(dest="action", required=True)
    enc = actions.add_parser(
        "encrypt", help="convert a plain (unencrypted) cache into an encrypted one"
    )
    rekey = actions.add_parser(
        "rekey", help="re-encrypt the cache with a new key, stored where the old one was"
    )
    for sub in (enc, rekey):
        add_cache_options(sub)
        add_format_option(sub)
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    load_settings(args.config)  # a broken --config is reported first
    path = cache_path(args)
    if args.action == "encrypt":
        progress(f"cache: encrypting {path} …")
        result = encrypt_cache(path)
        done = (
            f"{path}: {result.note}"
            if result.note
            else f"{path} is now encrypted; the key is in {result.key_where}"
        )
    else:
        progress(f"cache: re-encrypting {path} with a new key …")
        result = rekey_cache(path)
        done = (
            f"{path} is re-encrypted with a new key, stored in {result.key_where}; other "
            "caches encrypted with the old key no longer open with it"
        )
        if result.note:
            progress(f"cache: {result.note}")
    if args.format == "json":
        print_json(
            {
                "cache": str(path),
                "action": args.action,
                "tables": result.tables,
                "key": result.key_where,
                "note": result.note,
            }
        )
    else:
        print(f"{done} ({sum(result.tables.values()):,} rows in {len(result.tables)} tables)")
    return 0
