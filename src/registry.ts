import type { Registry } from "./mcp/definitions";
import { gameAssetPrompt, reviewScreenshotPrompt } from "./prompts/workflows.prompts";
import { assetResource } from "./resources/asset.resource";
import { deleteAsset, getAsset, listAssets, verifyAsset } from "./tools/assets.tools";
import { editImage, generateImage } from "./tools/images.tools";
import { cancelJob, getJob, listJobs } from "./tools/jobs.tools";
import { imageInfo, processImageTool } from "./tools/process.tools";
import { createUpload } from "./tools/uploads.tools";
import { build3dModel, create3dModel, edit3dModel } from "./tools/models.tools";
import { countTokensTool, serverStatus } from "./tools/status.tools";
import { analyzeImage, checkImage } from "./tools/vision.tools";

/** Every tool, resource template and prompt, defined once and registered by both protocol adapters. */
export const REGISTRY: Registry = {
  tools: [
    generateImage,
    editImage,
    analyzeImage,
    checkImage,
    build3dModel,
    processImageTool,
    imageInfo,
    createUpload,
    create3dModel,
    edit3dModel,
    getJob,
    cancelJob,
    listJobs,
    listAssets,
    getAsset,
    verifyAsset,
    deleteAsset,
    countTokensTool,
    serverStatus,
  ],
  resourceTemplates: [assetResource],
  prompts: [gameAssetPrompt, reviewScreenshotPrompt],
};
