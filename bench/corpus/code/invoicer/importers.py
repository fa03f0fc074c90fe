# ruff: noqa
"""Importing bank statements and partner invoices (XML)."""

import xml.etree.ElementTree as ET
import xml.sax

import defusedxml.ElementTree as SafeET
from lxml import etree


def parse_partner_invoice(document: bytes):
    return etree.fromstring(document)


def parse_partner_invoice_hardened(document: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(document, parser)


def parse_bank_statement(document: str):
    return SafeET.fromstring(document)


def parse_own_export(document: str):
    return ET.fromstring(document)


class StatementHandler(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.amounts: list[str] = []

    def characters(self, content: str) -> None:
        self.amounts.append(content)


def stream_statement(path: str) -> list[str]:
    handler = StatementHandler()
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    parser.setContentHandler(handler)
    parser.parse(path)
    return handler.amounts


def stream_statement_safely(path: str) -> list[str]:
    handler = StatementHandler()
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setContentHandler(handler)
    parser.parse(path)
    return handler.amounts
