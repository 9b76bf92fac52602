/**
 * The TrustPager Agent Memory reference's worked example (seeds/trustpager-agent-memory-reference.md):
 * the NurtureAgent's write_memory call, field for field, in the seed's snake_case, about fresh
 * contact, opportunity and email-log ids.
 */
import { randomUUID } from "node:crypto";

export interface PitchIds {
  contactId: string;
  opportunityId: string;
  emailLogId: string;
}

export function newPitchIds(): PitchIds {
  return { contactId: randomUUID(), opportunityId: randomUUID(), emailLogId: randomUUID() };
}

export function trustPagerPitch({ contactId, opportunityId, emailLogId }: PitchIds) {
  return {
    subject_type: "contact",
    subject_id: contactId,
    kind: "pitch",
    key: "automated-follow-up-sequences",
    content:
      "Pitched automated follow-up sequences to Sarah. Angle: their team is stretched thin; sequences save 3 hours per week on manual follow-up.",
    metadata: {
      feature_pitched: "Automated follow-up sequences",
      pitch_angle: "saves 3 hours per week on manual follow-up",
      stated_need_addressed: "team stretched thin on manual follow-up",
      next_angles_to_try: [
        "ROI calculator — show dollar value of time saved",
        "Case study — similar business in their industry",
        "Free trial offer — remove the risk of committing",
      ],
    },
    linked_entities: [
      { type: "opportunity", id: opportunityId },
      { type: "email_log", id: emailLogId },
    ],
    tags: ["feature:follow_up_sequences", "angle:time_savings"],
    source_kind: "email_send",
    source_id: emailLogId,
  };
}
