import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeColor } from "../src/config";
import { contrastRatio, textColorOn } from "../src/styles";

test("text on any brand colour meets WCAG AA (4.5:1)", () => {
  for (const c of ["#0b5cad", "#ffffff", "#000000", "#ffeb3b", "#e91e63", "#4caf50", "#777777", "#00bcd4"]) {
    assert.ok(contrastRatio(c, textColorOn(c)) >= 4.5, c);
  }
});

test("only hex colours reach the stylesheet", () => {
  assert.equal(normalizeColor("#0B5CAD"), "#0b5cad");
  assert.equal(normalizeColor("#abc"), "#aabbcc");
  assert.equal(normalizeColor("red; } * { display:none"), null);
  assert.equal(normalizeColor(undefined), null);
});
