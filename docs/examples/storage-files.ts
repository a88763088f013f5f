// Buckets are the operator's: the service key creates them. Then a user uploads, lists, downloads,
// shares with a signed URL and removes their own files; RLS keeps them theirs.
import { createClient } from "@fluxbase/sdk";

const service = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_SERVICE_KEY!);
const created = await service.storage.createBucket("user-uploads", {
  public: false,
  fileSizeLimit: "10MB",
  allowedMimeTypes: ["text/*", "application/json", "image/*"],
});
console.log("bucket:", created.data?.name ?? created.error?.message);

const client = createClient(process.env.FLUXBASE_URL!, process.env.FLUXBASE_KEY!);
const uploads = client.storage.from("user-uploads");

const blob = new Blob([JSON.stringify({ rows: 3 })], { type: "application/json" });
const { data: uploaded, error } = await uploads.upload("reports/march.json", blob);
if (error) throw error;
console.log("uploaded:", uploaded.fullPath);

const again = await uploads.upload("reports/march.json", blob);
console.log("again without upsert:", again.error?.message);

const { data: files } = await uploads.list("reports");
console.log("in reports/:", files?.map((file) => `${file.name} (${file.metadata?.size} bytes)`).join(", "));

const { data: file } = await uploads.download("reports/march.json");
console.log("downloaded:", await file?.text());

const { data: signed } = await uploads.createSignedUrl("reports/march.json", 60);
const shared = await fetch(signed!.signedUrl); // anyone with the URL, for 60 seconds
console.log("signed URL:", shared.status);

const refused = await uploads.upload("script.sh", new Blob(["echo hi"], { type: "application/x-sh" }));
console.log("refused type:", refused.error?.message);

const { data: removed } = await uploads.remove(["reports/march.json"]);
console.log("removed:", removed?.length);
