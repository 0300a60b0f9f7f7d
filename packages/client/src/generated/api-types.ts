// Generated from the API's /openapi.json by scripts/generate-client.ts: do not edit.
// Regenerate with `npm run generate:client`; test/client/generated-types.test.ts fails while stale.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process is up */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Up. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: Redis reachable and not draining */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ready. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ready";
                        };
                    };
                };
                /** @description Redis unreachable or draining. */
                503: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This OpenAPI 3.1 document */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The document, generated from the route definitions. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            openapi: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Interactive API documentation (Swagger UI, served locally) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description HTML page. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/assets/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Static assets of the docs page (from the swagger-ui-dist package) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    file: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The asset. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Not one of the served assets. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics (text exposition)
         * @description Cluster-wide: queue depth per lane read from BullMQ, plus the series every worker, notifier and API replica records in Redis (job durations, tokens, fallbacks, VRAM, window state, webhook attempts, rate-limit rejections). Any replica answers the same. The series name tenants, so only the scraper reads them: its token (`NIGHTSHIFT_METRICS_TOKEN`) as a bearer token.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text format 0.0.4. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description No token, a wrong one, or no `NIGHTSHIFT_METRICS_TOKEN` set (then nobody reads metrics). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List this tenant’s batches, newest first */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of batches. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BatchList"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Bad `limit` or `after`. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Submit a batch of documents for the cold lane
         * @description Documents wait in the cold lane and are summarized inside off-peak windows. Send JSON (text or base64 PDFs) or `multipart/form-data` (one `file` part per document plus an optional `options` JSON part).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateBatch"];
                    "multipart/form-data": {
                        /** @description One part per document: a PDF (`application/pdf`) or text file. */
                        file: Blob[];
                        /** @description JSON: the same options as the JSON body, without `documents`. */
                        options?: {
                            model?: string;
                            summary?: {
                                maxWords?: number;
                                /** @enum {string} */
                                style?: "paragraph" | "bullets" | "headline";
                                language?: string;
                            };
                            webhook?: {
                                /** Format: uri */
                                url: string;
                                /** @default [] */
                                events?: ("document.completed" | "document.failed")[];
                            };
                            completionWindow?: string;
                            metadata?: {
                                [key: string]: string;
                            };
                        };
                    };
                };
            };
            responses: {
                /** @description Accepted: the batch object; `Location` names it. */
                202: {
                    headers: {
                        /** @description `/v1/batches/{id}` */
                        Location?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Batch"];
                    };
                };
                /** @description The body is not valid JSON or multipart. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Body over `NIGHTSHIFT_MAX_BODY_BYTES`. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Neither JSON nor multipart. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A field is invalid, a document is unreadable, a limit is exceeded, or the webhook URL is refused. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over the batch submission rate limit. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        /** @description Burst size of the limit. */
                        "RateLimit-Limit"?: number;
                        /** @description Requests left now. */
                        "RateLimit-Remaining"?: number;
                        /** @description Seconds until the bucket is full again. */
                        "RateLimit-Reset"?: number;
                        /** @description e.g. `3;w=15`. */
                        "RateLimit-Policy"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a batch: status, counts, usage */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A batch id, `batch_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The batch object. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Batch"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such batch for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{id}/results": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Stream the results, one NDJSON line per document
         * @description Each line is a `DocumentResult`. Documents not finished yet are listed with their current status.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A batch id, `batch_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description NDJSON: one `DocumentResult` per line. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/x-ndjson": components["schemas"]["DocumentResult"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such batch for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a batch: queued documents end `cancelled` */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A batch id, `batch_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The batch after cancelling. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Batch"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such batch for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List schedules */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of schedules. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "list";
                            data: components["schemas"]["Schedule"][];
                            hasMore: boolean;
                            /** @description Pass as `after` to get the next page. */
                            lastId: string | null;
                        };
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Bad `limit` or `after`. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        /** Create a cron schedule that submits a night batch at each fire */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        cron: string;
                        timezone?: string;
                        source: {
                            /** @enum {string} */
                            kind: "inline";
                            documents: {
                                id?: string;
                                text?: string;
                                pdf?: string;
                            }[];
                        } | {
                            /** @enum {string} */
                            kind: "directory";
                            path: string;
                            /** @default false */
                            recursive?: boolean;
                        } | {
                            /** @enum {string} */
                            kind: "openai_file";
                            fileId: string;
                            /** @enum {string} */
                            endpoint: "/v1/chat/completions" | "/v1/embeddings" | "/v1/completions";
                        };
                        /** @default {} */
                        batch?: {
                            model?: string;
                            summary?: {
                                maxWords?: number;
                                /** @enum {string} */
                                style?: "paragraph" | "bullets" | "headline";
                                language?: string;
                            };
                            webhook?: {
                                /** Format: uri */
                                url: string;
                                /** @default [] */
                                events?: ("document.completed" | "document.failed")[];
                            };
                            completionWindow?: string;
                            metadata?: {
                                [key: string]: string;
                            };
                        };
                        /** @default true */
                        enabled?: boolean;
                        /**
                         * @default none
                         * @enum {string}
                         */
                        catchUp?: "none" | "once";
                    };
                };
            };
            responses: {
                /** @description The schedule, with its next fire times; `Location` names it. */
                201: {
                    headers: {
                        /** @description `/v1/schedules/{id}` */
                        Location?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Schedule"];
                    };
                };
                /** @description The body is not valid JSON. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Body over `NIGHTSHIFT_MAX_BODY_BYTES`. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The body is not declared `application/json`. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A field is invalid (cron, zone, source…), or a limit is reached. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a schedule */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A schedule id, `sched_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The schedule. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Schedule"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such schedule for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a schedule */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A schedule id, `sched_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such schedule for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a schedule */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A schedule id, `sched_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        cron?: string;
                        timezone?: string;
                        source?: {
                            /** @enum {string} */
                            kind: "inline";
                            documents: {
                                id?: string;
                                text?: string;
                                pdf?: string;
                            }[];
                        } | {
                            /** @enum {string} */
                            kind: "directory";
                            path: string;
                            /** @default false */
                            recursive?: boolean;
                        } | {
                            /** @enum {string} */
                            kind: "openai_file";
                            fileId: string;
                            /** @enum {string} */
                            endpoint: "/v1/chat/completions" | "/v1/embeddings" | "/v1/completions";
                        };
                        batch?: {
                            model?: string;
                            summary?: {
                                maxWords?: number;
                                /** @enum {string} */
                                style?: "paragraph" | "bullets" | "headline";
                                language?: string;
                            };
                            webhook?: {
                                /** Format: uri */
                                url: string;
                                /** @default [] */
                                events?: ("document.completed" | "document.failed")[];
                            };
                            completionWindow?: string;
                            metadata?: {
                                [key: string]: string;
                            };
                        };
                        enabled?: boolean;
                        /** @enum {string} */
                        catchUp?: "none" | "once";
                    };
                };
            };
            responses: {
                /** @description The changed schedule. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Schedule"];
                    };
                };
                /** @description The body is not valid JSON. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such schedule for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Body over `NIGHTSHIFT_MAX_BODY_BYTES`. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The body is not declared `application/json`. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A field is invalid (cron, zone, source…), or a limit is reached. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/v1/schedules/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Fires of a schedule and the batches they made */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                };
                header?: never;
                path: {
                    /** @description A schedule id, `sched_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Recent runs, newest first. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "list";
                            data: components["schemas"]["ScheduleRun"][];
                        };
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such schedule for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Bad `limit`. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live GPU workers: VRAM, window state, lanes, loaded models */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every live worker. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "list";
                            data: components["schemas"]["WorkerStatus"][];
                            /** @description With `NIGHTSHIFT_PRICE_SOURCE` set: the plan of cold hours (null until the first is made); absent otherwise. */
                            pricePlan?: {
                                computedAt: string;
                                /** @description The price source, without its token. */
                                source: string;
                                /** @description `EUR/MWh`, `gCO2eq/kWh`, … as the source states it. */
                                unit: string;
                                /** @description `NIGHTSHIFT_COLD_WINDOWS`: the hours cold work may ever run. */
                                limits: string;
                                timeZone: string;
                                throughput: {
                                    documentsPerS: number;
                                    /** @description False: the default, the cold lane has not run lately. */
                                    measured: boolean;
                                    /** @description Documents per second per model of the queued batches, from GPU accounting: each server's busy time per document of the model, over its servers. A model missing here is planned at `documentsPerS`. */
                                    models?: {
                                        [key: string]: number;
                                    };
                                };
                                /** @description The dearest price the plan opens at. */
                                threshold: number | null;
                                /** @description The coming 24 hours, from the current one. */
                                hours: {
                                    start: string;
                                    price: number | null;
                                    open: boolean;
                                    /**
                                     * @description `cheapest`: among the cheapest hours that hold all queued work; `needed`: added so `batchId` finishes by `due`; `skipped`: not needed; `limit`: outside the allowed hours.
                                     * @enum {string}
                                     */
                                    reason: "needed" | "cheapest" | "skipped" | "limit";
                                    batchId?: string;
                                    due?: string;
                                }[];
                                /** @description Batches that will miss their completion window: too few allowed hours. */
                                atRisk: {
                                    batchId: string;
                                    model: string;
                                    expiresAt: string;
                                    remaining: number;
                                    /** @description Documents the allowed hours before `expiresAt` cannot hold at the measured pace. */
                                    shortDocuments: number;
                                }[];
                            } | null;
                        };
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Usage of the calling tenant per UTC day or month
         * @description Documents finished (hot and cold lanes), prompt/completion tokens, GPU seconds and energy (Wh) per model. `from`..`to` inclusive, at most 366 days; `to` defaults to today. A tenant only ever sees its own usage.
         */
        get: {
            parameters: {
                query: {
                    from: string;
                    to?: string;
                    granularity?: "day" | "month";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every period of the range, empty ones included, and the totals. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UsageReport"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Bad dates or a range over 366 days. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Webhook deliveries of a batch, with every attempt */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A batch id, `batch_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The deliveries. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "list";
                            data: components["schemas"]["Delivery"][];
                        };
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such batch for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Replay this tenant’s failed deliveries since a time */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description Replay the failed deliveries that ended at or after this time (ISO 8601).
                         */
                        since: string;
                    };
                };
            };
            responses: {
                /** @description What was queued again, and what was skipped (still being attempted). */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "replay";
                            since: string;
                            /** @description Delivery ids queued again. */
                            queued: string[];
                            /** @description Delivery ids still being attempted. */
                            skipped: string[];
                        };
                    };
                };
                /** @description The body is not valid JSON. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description `since` is not an ISO 8601 date-time. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One delivery and its attempts */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A delivery id (the `webhook-id`), `msg_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The delivery. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Delivery"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such delivery for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/deliveries/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a delivery again now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A delivery id (the `webhook-id`), `msg_…`. */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Queued again: the delivery, now `pending` (only `id` and `state` if it has just expired). */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Delivery"] | {
                            id: string;
                            /** @enum {string} */
                            state: "pending";
                        };
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No such delivery for this key (another tenant’s also answers 404). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The delivery is still being attempted. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/disabled": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Webhook URLs a 410 answer switched off for this tenant
         * @description Deliveries to a disabled URL end `gone` without being sent, until the URL is switched back on.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The disabled URLs, with the 410 that did it. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "list";
                            data: {
                                /** @enum {string} */
                                object: "disabled_webhook_url";
                                url: string;
                                /** @description When the 410 arrived. */
                                disabledAt: string;
                                /** @description The delivery that got it. */
                                deliveryId: string;
                            }[];
                        };
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Switch a disabled webhook URL back on
         * @description Sends nothing by itself: retry or replay the deliveries that ended `gone` if they are wanted.
         */
        delete: {
            parameters: {
                query: {
                    /** @description The URL exactly as the batch’s `webhook.url` gave it. */
                    url: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Switched back on. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description That URL is not disabled for this key. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The `url` query parameter is missing. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhook-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This tenant’s webhook signing secret(s): metadata, never the secret */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The current secret and any still-signing old one. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "webhook_secret";
                            /**
                             * @description `default` until the tenant first rotates.
                             * @enum {string}
                             */
                            source: "default" | "tenant";
                            /** @description False when there is no secret to sign with. */
                            configured: boolean;
                            /** @description The current secret’s first characters. */
                            prefix: string | null;
                            /** @description First 16 hex digits of SHA-256 of the current secret. */
                            fingerprint: string | null;
                            createdAt: string | null;
                            /** @description The replaced secret, still signing until `expiresAt`; null outside an overlap. */
                            previous: {
                                prefix: string;
                                fingerprint: string;
                                expiresAt: string;
                            } | null;
                        };
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhook-secret/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate the signing secret; the old one keeps signing during the overlap */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": {
                        /** @description How long the old secret keeps signing, e.g. `24h` (the default), `0s` to stop at once. */
                        overlap?: string;
                    };
                };
            };
            responses: {
                /** @description The new secret (shown this once) and the end of the overlap. */
                200: {
                    headers: {
                        /** @description `no-store` */
                        "Cache-Control"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            object: "webhook_secret";
                            /** @description The new `whsec_…` secret. */
                            secret: string;
                            createdAt: string;
                            /** @description Until when the old secret signs too. */
                            previousExpiresAt: string;
                        };
                    };
                };
                /** @description The body is not valid JSON. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description A bad `overlap`, or an unknown field. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over `NIGHTSHIFT_AUTH_FAILURES_PER_MIN` wrong keys from this address: every key it sends, right or wrong, is refused until `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/summaries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Summarize one document now (hot lane)
         * @description Waits for the summary (default up to 120 s). Rate limited per tenant (default 12/min, burst 3): `429` with `Retry-After` and `RateLimit-*`. `503` with `Retry-After` when the GPU cannot take it (VRAM over the threshold, lane full, every model down).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateSummary"];
                };
            };
            responses: {
                /** @description The summary; `degraded` is true when a fallback model answered. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Summary"];
                    };
                };
                /** @description The body is not valid JSON. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Missing or unknown bearer key. */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Body too large. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Invalid fields or an unreadable document. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description Over the hot-lane rate limit; see `Retry-After`. */
                429: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        /** @description Burst size of the limit. */
                        "RateLimit-Limit"?: number;
                        /** @description Requests left now. */
                        "RateLimit-Remaining"?: number;
                        /** @description Seconds until the bucket is full again. */
                        "RateLimit-Reset"?: number;
                        /** @description e.g. `3;w=15`. */
                        "RateLimit-Policy"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description The GPU cannot take it now (VRAM, lane full, models down); see `Retry-After`. */
                503: {
                    headers: {
                        /** @description Seconds to wait before trying again. */
                        "Retry-After"?: number;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
                /** @description No answer within the wait. */
                504: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/problem+json": components["schemas"]["Problem"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            /** @description URI reference naming the problem, e.g. `/problems/batch-not-found`. */
            type: string;
            title: string;
            status: number;
            detail: string;
            /** @description Validation problems: each failing field and why. */
            errors?: {
                field: string;
                message: string;
            }[];
        } & {
            [key: string]: unknown;
        };
        Batch: {
            id: string;
            /** @enum {string} */
            object: "batch";
            /** @enum {string} */
            status: "queued" | "running" | "completed" | "completed_with_errors" | "failed" | "cancelled" | "expired";
            counts: {
                total: number;
                queued: number;
                running: number;
                succeeded: number;
                failed: number;
                cancelled: number;
                expired: number;
            };
            model: string;
            summary: {
                maxWords?: number;
                /** @enum {string} */
                style?: "paragraph" | "bullets" | "headline";
                language?: string;
            };
            usage: {
                promptTokens: number;
                completionTokens: number;
                gpuSeconds: number;
                energyWh: number | null;
            };
            metadata: {
                [key: string]: string;
            };
            webhook: {
                url: string;
                events: ("document.completed" | "document.failed")[];
            } | null;
            completionWindow: string;
            scheduleId: string | null;
            createdAt: string;
            startedAt: string | null;
            completedAt: string | null;
            cancelledAt: string | null;
            expiresAt: string;
        };
        CreateBatch: {
            model?: string;
            summary?: {
                maxWords?: number;
                /** @enum {string} */
                style?: "paragraph" | "bullets" | "headline";
                language?: string;
            };
            webhook?: {
                /** Format: uri */
                url: string;
                /** @default [] */
                events: ("document.completed" | "document.failed")[];
            };
            completionWindow?: string;
            metadata?: {
                [key: string]: string;
            };
            documents: {
                id?: string;
                text?: string;
                pdf?: string;
            }[];
        };
        BatchList: {
            /** @enum {string} */
            object: "list";
            data: components["schemas"]["Batch"][];
            hasMore: boolean;
            /** @description Pass as `after` to get the next page. */
            lastId: string | null;
        };
        DocumentResult: {
            documentId: string;
            /** @enum {string} */
            status: "queued" | "running" | "succeeded" | "failed" | "cancelled" | "expired";
            summary?: string;
            error?: {
                code: string;
                message: string;
            };
            model: string | null;
            degraded?: boolean;
            usage: {
                promptTokens: number;
                completionTokens: number;
                gpuSeconds?: number;
                energyWh?: number | null;
            };
            response?: {
                statusCode: number;
                requestId: string;
                body?: unknown;
            };
        };
        Schedule: {
            id: string;
            /** @enum {string} */
            object: "schedule";
            name: string;
            cron: string;
            timezone: string;
            source: {
                /** @enum {string} */
                kind: "inline";
                documents: {
                    id?: string;
                    text?: string;
                    pdf?: string;
                }[];
            } | {
                /** @enum {string} */
                kind: "directory";
                path: string;
                recursive: boolean;
            } | {
                /** @enum {string} */
                kind: "openai_file";
                fileId: string;
                /** @enum {string} */
                endpoint: "/v1/chat/completions" | "/v1/embeddings" | "/v1/completions";
            };
            batch: {
                model?: string;
                summary?: {
                    maxWords?: number;
                    /** @enum {string} */
                    style?: "paragraph" | "bullets" | "headline";
                    language?: string;
                };
                webhook?: {
                    /** Format: uri */
                    url: string;
                    /** @default [] */
                    events: ("document.completed" | "document.failed")[];
                };
                completionWindow?: string;
                metadata?: {
                    [key: string]: string;
                };
            };
            enabled: boolean;
            /** @enum {string} */
            catchUp: "none" | "once";
            createdAt: string;
            updatedAt: string;
            /** @description Since when fires count for catch-up. */
            armedAt: string;
            /** @description The next fire times (ISO 8601, UTC); empty while disabled. */
            nextFireTimes: string[];
        };
        ScheduleRun: {
            /** @enum {string} */
            object: "schedule_run";
            scheduleId: string;
            /** @description The cron slot this run belongs to (ISO 8601, UTC). */
            fireTime: string;
            firedAt: string;
            /** @enum {string} */
            status: "submitted" | "empty" | "failed" | "missed" | "skipped_quota";
            batchId: string | null;
            documents: number;
            errors: {
                documentId?: string;
                code: string;
                message: string;
            }[];
            catchUp: boolean;
            missedCount?: number;
        };
        WorkerStatus: {
            id: string;
            host: string;
            pid: number;
            startedAt: string;
            updatedAt: string;
            /** @description `ollama`, `openai` or `extractive`. */
            provider: string;
            gpu: {
                probe: string;
                /** @enum {string} */
                status: "ok" | "unknown" | "none";
                reason?: string;
                gpus: {
                    index: number;
                    uuid?: string;
                    name?: string;
                    totalMiB: number;
                    usedMiB: number;
                    freeMiB: number;
                    usedPct: number;
                }[];
            };
            window: {
                spec: string;
                timeZone: string;
                open: boolean;
                nextTransition: string | null;
            };
            lanes: {
                hot: {
                    slots: number;
                    running: number;
                };
                cold: {
                    slots: number;
                    running: number;
                    paused: boolean;
                    reason: string | null;
                    tunedLimit?: number | null;
                    server?: {
                        running: number;
                        waiting: number;
                        kvUsage: number | null;
                        generatedTokens: number | null;
                    } | null;
                    servers?: {
                        /** @description Opaque name of the server, the same on every worker that uses it (never its address). */
                        id: string;
                        /** @enum {string} */
                        kind: "ollama" | "openai";
                        /**
                         * @description `slots`: fixed parallel slots (Ollama); `continuous`: continuous batching (vLLM).
                         * @enum {string}
                         */
                        batching: "continuous" | "slots";
                        /** @description The most cold calls it may hold: its slots, or `maxSequences − chatReserve`. */
                        places: number;
                        /** @description The most it may hold now: fewer while chats run on it or requests wait inside it. */
                        limit: number;
                        /** @description This worker's cold calls on it. */
                        coldInFlight: number;
                        /** @description Cold calls of every worker on it, as last read. */
                        coldInFlightAll: number;
                        /** @description Chats running on it (fixed slots); null where a chat reserve is kept instead. */
                        chats: number | null;
                    }[];
                };
            };
            modelsLoaded: string[];
            recentHotMs: number[];
        };
        UsageReport: {
            /** @enum {string} */
            object: "usage";
            tenant: string;
            from: string;
            to: string;
            /** @enum {string} */
            granularity: "day" | "month";
            data: {
                period: string;
                documents: number;
                failedDocuments: number;
                requests: number;
                failedRequests: number;
                promptTokens: number;
                completionTokens: number;
                gpuSeconds: number;
                energyWh: number | null;
                models: {
                    model: string;
                    documents: number;
                    requests: number;
                    promptTokens: number;
                    completionTokens: number;
                    gpuSeconds: number;
                    energyWh: number | null;
                }[];
            }[];
            totals: {
                documents: number;
                failedDocuments: number;
                requests: number;
                failedRequests: number;
                promptTokens: number;
                completionTokens: number;
                gpuSeconds: number;
                energyWh: number | null;
                models: {
                    model: string;
                    documents: number;
                    requests: number;
                    promptTokens: number;
                    completionTokens: number;
                    gpuSeconds: number;
                    energyWh: number | null;
                }[];
            };
            /** @description `/openai/v1` files: what they take now and the quota (not per period). */
            storage?: {
                /** @description Bytes of files held now, uploads in progress included. */
                bytes: number;
                /** @description Files held now, uploads in progress included. */
                files: number;
                /** @description The tenant’s quota of bytes (413 beyond). */
                maxBytes: number;
                /** @description The tenant’s quota of files (413 beyond). */
                maxFiles: number;
            };
        };
        Delivery: {
            /** @description The `webhook-id`, `msg_…`: the same on every attempt and replay. */
            id: string;
            /** @enum {string} */
            object: "delivery";
            batchId: string;
            /** @description `batch.completed`, `document.failed`, … */
            eventType: string;
            url: string;
            /** @enum {string} */
            state: "pending" | "delivered" | "failed" | "gone";
            createdAt: string;
            updatedAt: string;
            /** @description Every attempt, oldest first, replays included. */
            attempts: {
                /** @description When the attempt ended (ISO 8601). */
                at: string;
                url: string;
                /** @description HTTP status; null when nothing answered. */
                status: number | null;
                durationMs: number;
                /** @description Why it failed (`timeout after 15000 ms`, `http_500`…). */
                error: string | null;
                /** @description The first bytes of the receiver’s answer. */
                response: string | null;
            }[];
        };
        Summary: {
            summary: string;
            model: string;
            degraded: boolean;
            usage: {
                promptTokens: number;
                completionTokens: number;
            };
            durationMs: number;
        };
        CreateSummary: {
            text?: string;
            pdf?: string;
            model?: string;
            summary?: {
                maxWords?: number;
                /** @enum {string} */
                style?: "paragraph" | "bullets" | "headline";
                language?: string;
            };
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
