# ruff: noqa
# Samples for rules/deserialization.yaml.
import json
import marshal
import pickle
import shelve

import torch
import yaml


def load(blob: bytes, text: str, path: str) -> object:
    # ruleid: sr-pickle-load
    obj = pickle.loads(blob)
    # ok: sr-pickle-load
    out = pickle.dumps(obj)
    # ruleid: sr-pickle-load
    db = shelve.open(path)
    # ok: sr-pickle-load
    data = json.loads(text)
    # ruleid: sr-marshal-load
    code = marshal.loads(blob)
    # ok: sr-marshal-load
    raw = marshal.dumps(data)
    # ruleid: sr-yaml-unsafe-load
    cfg = yaml.load(text, Loader=yaml.Loader)
    # ruleid: sr-yaml-unsafe-load
    cfg2 = yaml.load(text)
    # ruleid: sr-yaml-unsafe-load
    cfg3 = yaml.unsafe_load(text)
    # ok: sr-yaml-unsafe-load
    cfg4 = yaml.safe_load(text)
    # ok: sr-yaml-unsafe-load
    cfg5 = yaml.load(text, Loader=yaml.SafeLoader)
    # ruleid: sr-torch-load
    model = torch.load(path)
    # ok: sr-torch-load
    weights = torch.load(path, weights_only=True)
    return (obj, out, db, code, raw, cfg, cfg2, cfg3, cfg4, cfg5, model, weights)
