CREATE TABLE "job_items" (
	"job_id" text NOT NULL,
	"idx" integer NOT NULL,
	"email" text NOT NULL,
	CONSTRAINT "job_items_job_id_idx_pk" PRIMARY KEY("job_id","idx")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"total" integer NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"count_safe" integer DEFAULT 0 NOT NULL,
	"count_risky" integer DEFAULT 0 NOT NULL,
	"count_invalid" integer DEFAULT 0 NOT NULL,
	"count_unknown" integer DEFAULT 0 NOT NULL,
	"webhook_url" text,
	"webhook_secret" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"webhook_delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "results" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"job_id" text,
	"item_index" integer,
	"email" text NOT NULL,
	"is_reachable" text NOT NULL,
	"reason" text NOT NULL,
	"result" jsonb NOT NULL,
	"checked_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "jobs_tenant_id_idx" ON "jobs" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "results_job_id_item_index_idx" ON "results" USING btree ("job_id","item_index") WHERE "results"."job_id" is not null;