// The package ships no types; this is the slice of its API (module.mjs, validation.schema.json) we use.
declare module "gltf-validator" {
  export interface ValidationMessage {
    code: string;
    /** 0 error, 1 warning, 2 information, 3 hint. */
    severity: 0 | 1 | 2 | 3;
    message: string;
    pointer?: string;
    offset?: number;
  }
  export interface ValidationReport {
    validatorVersion: string;
    issues: {
      numErrors: number;
      numWarnings: number;
      numInfos: number;
      numHints: number;
      messages: ValidationMessage[];
      truncated: boolean;
    };
  }
  export interface ValidationOptions {
    uri?: string;
    format?: "glb" | "gltf";
    writeTimestamp?: boolean;
    maxIssues?: number;
    ignoredIssues?: string[];
  }
  export function validateBytes(data: Uint8Array, options?: ValidationOptions): Promise<ValidationReport>;
  export function version(): string;
}
