ALTER TABLE "job_items" ADD COLUMN "input_row" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "score_sum" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "input_columns" jsonb;--> statement-breakpoint
CREATE INDEX "jobs_tenant_created_idx" ON "jobs" USING btree ("tenant_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);