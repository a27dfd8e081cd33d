import pkg from "../package.json";

export const SERVER_NAME = "mcp-multimodal";
export const SERVER_VERSION: string = pkg.version;
