// The reference CSL processor (citeproc-js, npm package "citeproc"), run by tests/test_citations.py
// as an oracle independent of citeproc-py.
// Usage: node csl_oracle.js STYLE.csl LOCALES_DIR < items.json  ->  {"<item id>": "<entry>", ...}
"use strict";
const fs = require("fs");
const path = require("path");
const CSL = require("citeproc");

const [style, localesDir] = process.argv.slice(2);
const items = JSON.parse(fs.readFileSync(0, "utf8"));
const byId = Object.fromEntries(items.map((item) => [item.id, item]));
const engine = new CSL.Engine(
  {
    retrieveLocale: (lang) => {
      const file = path.join(localesDir, `locales-${lang}.xml`);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : false;
    },
    retrieveItem: (id) => byId[id],
  },
  fs.readFileSync(style, "utf8"),
);
engine.setOutputFormat("text");
engine.updateItems(items.map((item) => item.id));
const [meta, entries] = engine.makeBibliography();
const byEntry = Object.fromEntries(meta.entry_ids.map((ids, i) => [ids[0], entries[i].trim()]));
process.stdout.write(JSON.stringify(byEntry));
