#!/usr/bin/env python3
"""Reports the unfinished entries of a Qt Linguist .ts file, or fills them from a JSON dictionary
(source text -> translation, or a list of plural forms): fill_missing.py airlock_ko.ts [--fill ko.json]. Translators normally use
Linguist; this is for batch work and review. Entries without a dictionary match stay unfinished."""
import json
import sys
import xml.etree.ElementTree as ET

def main():
    path = sys.argv[1]
    table = json.load(open(sys.argv[3], encoding='utf-8')) if len(sys.argv) > 3 and sys.argv[2] == '--fill' else {}
    tree = ET.parse(path)
    missing = []
    for message in tree.iter('message'):
        translation = message.find('translation')
        if translation is None or translation.get('type') != 'unfinished':
            continue
        source = message.findtext('source')
        if source in table:
            del translation.attrib['type']
            if message.get('numerus') == 'yes':
                for child in list(translation):
                    translation.remove(child)
                forms = table[source] if isinstance(table[source], list) else [table[source]]
                for text in forms:
                    ET.SubElement(translation, 'numerusform').text = text
            else:
                translation.text = table[source]
        else:
            missing.append(source)
    if table:
        with open(path, 'wb') as out:
            out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
            tree.write(out, encoding='utf-8', xml_declaration=False)
    for source in missing:
        print('unfinished:', source)
    return 1 if missing else 0

if __name__ == '__main__':
    sys.exit(main())
