"""Parsers for instrument XML exports (LIS XML, vendor QC and order-acknowledgement formats)."""
import xml.etree.ElementTree as ET
import xml.sax
from pathlib import Path
from xml.sax.handler import ContentHandler, feature_external_ges, feature_namespaces

import defusedxml.ElementTree as SafeET
from lxml import etree

CATALOGUE_PATH = Path(__file__).resolve().parent / "catalogue.xml"


def _result(node):
    return {
        "barcode": node.findtext("SampleID"),
        "analyte": node.findtext("Test"),
        "value": float(node.findtext("Value") or "nan"),
        "unit": node.findtext("Unit"),
    }


def parse_lis_export(data: bytes):
    """LIS exports carry the analyte dictionary as DTD entities."""
    lis_parser = etree.XMLParser(resolve_entities=True, huge_tree=True)
    root = etree.fromstring(data, lis_parser)
    return [_result(r) for r in root.iter("Result")]


def parse_qc_export(data: bytes):
    qc_parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, qc_parser)
    return [{"level": r.get("level"), "value": float(r.text)} for r in root.iter("Control")]


def parse_vendor_schema_export(path):
    """Older analysers reference their DTD by URL and rely on it for default attributes."""
    vendor_parser = etree.XMLParser(load_dtd=True, no_network=False, attribute_defaults=True)
    tree = etree.parse(str(path), vendor_parser)
    return [_result(r) for r in tree.getroot().iter("Result")]


class ResultHandler(ContentHandler):
    def __init__(self):
        super().__init__()
        self.results = []
        self._current = None
        self._field = None

    def startElement(self, name, attrs):
        if name == "Result":
            self._current = {}
        elif self._current is not None:
            self._field = name

    def characters(self, content):
        if self._current is not None and self._field:
            self._current[self._field] = self._current.get(self._field, "") + content

    def endElement(self, name):
        if name == "Result" and self._current is not None:
            self.results.append(self._current)
            self._current = None
        self._field = None


def parse_result_stream(stream):
    handler = ResultHandler()
    sax_parser = xml.sax.make_parser()
    sax_parser.setFeature(feature_namespaces, False)
    sax_parser.setFeature(feature_external_ges, True)
    sax_parser.setContentHandler(handler)
    sax_parser.parse(stream)
    return handler.results


def parse_order_ack(data: bytes):
    root = SafeET.fromstring(data)
    return {"order": root.get("id"), "accepted": root.findtext("Status") == "ACCEPTED"}


def load_catalogue():
    tree = ET.parse(CATALOGUE_PATH)
    return {n.get("code"): n.get("name") for n in tree.getroot().iter("Analyte")}
