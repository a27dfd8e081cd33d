// GET /v1/models and GET /v1/models/{id}, in the real `Model` shape plus `shutdown_date`.

import { jsonAnswer, type Answer } from "./answer.ts";
import { availableModels, findModel, shutdownDateOf, type ModelInfo } from "./catalog.ts";
import { ApiError } from "./errors.ts";

function modelObject(model: ModelInfo): Record<string, unknown> {
  return { id: model.id, object: "model", created: model.created, owned_by: "system", shutdown_date: model.shutdownDate };
}

export function listModels(today: string): Answer {
  return jsonAnswer({ object: "list", data: availableModels(today).map(modelObject) });
}

export function retrieveModel(id: string, today: string): Answer {
  const model = findModel(id);
  if (!model || shutdownDateOf(id, today)) {
    // Shut-down models are gone from the API entirely, so they get the same 404.
    throw new ApiError(404, {
      message: `The model '${id}' does not exist`,
      type: "invalid_request_error",
      param: "model",
      code: "model_not_found",
    });
  }
  return jsonAnswer(modelObject(model));
}
