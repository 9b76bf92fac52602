import { Migration20261121000000Initial } from "./20261121000000-initial.js";

/** Every migration, oldest first. Applied on start; never edit one that has shipped. */
export const migrations = [{ name: "20261121000000-initial", class: Migration20261121000000Initial }];
