/** Entry point of console.js (loaded with `defer`, so the document is parsed). */
import { App } from "./app";

const root = document.getElementById("app");
if (root) void new App(root).boot();
