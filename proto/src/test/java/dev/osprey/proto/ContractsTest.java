package dev.osprey.proto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.osprey.api.v1.AnswerEvent;
import dev.osprey.api.v1.AskRequest;
import dev.osprey.api.v1.CocoRle;
import dev.osprey.api.v1.FinishReason;
import dev.osprey.api.v1.Finished;
import dev.osprey.api.v1.Region;
import dev.osprey.api.v1.RegionServiceGrpc;
import dev.osprey.api.v1.Sampling;
import dev.osprey.api.v1.Task;
import dev.osprey.api.v1.Usage;
import dev.osprey.internal.v1.EncoderGrpc;
import dev.osprey.internal.v1.ExtractorGrpc;
import dev.osprey.internal.v1.LlmGrpc;
import dev.osprey.internal.v1.PromptBox;
import dev.osprey.internal.v1.SegmentRequest;
import dev.osprey.internal.v1.SegmenterGrpc;
import io.grpc.MethodDescriptor.MethodType;
import org.junit.jupiter.api.Test;

class ContractsTest {

    @Test
    void askStreamsAnswersAndGenerateStreamsTheSameEvents() {
        assertThat(RegionServiceGrpc.getAskMethod().getType()).isEqualTo(MethodType.SERVER_STREAMING);
        assertThat(RegionServiceGrpc.getUploadImageMethod().getType()).isEqualTo(MethodType.UNARY);
        assertThat(RegionServiceGrpc.getSegmentMethod().getType()).isEqualTo(MethodType.UNARY);
        assertThat(RegionServiceGrpc.getDescribeAllMethod().getType()).isEqualTo(MethodType.SERVER_STREAMING);
        assertThat(LlmGrpc.getGenerateMethod().getType()).isEqualTo(MethodType.SERVER_STREAMING);
        assertThat(LlmGrpc.getGenerateMethod().getResponseMarshaller())
                .isNotNull();
        assertThat(ExtractorGrpc.getExtractMethod().getFullMethodName()).isEqualTo("osprey.internal.v1.Extractor/Extract");
        assertThat(EncoderGrpc.getServiceDescriptor().getMethods()).extracting(m -> m.getBareMethodName())
                .containsExactlyInAnyOrder("Encode", "GetFeatures", "GetImageTokens", "Forget", "GetImage");
        assertThat(ExtractorGrpc.getServiceDescriptor().getMethods()).extracting(m -> m.getBareMethodName())
                .containsExactlyInAnyOrder("Extract", "Forget");
        assertThat(LlmGrpc.getServiceDescriptor().getMethods()).extracting(m -> m.getBareMethodName())
                .containsExactlyInAnyOrder("Generate", "Forget", "Warm");
        assertThat(LlmGrpc.getWarmMethod().getType()).isEqualTo(MethodType.UNARY);
        assertThat(SegmenterGrpc.getServiceDescriptor().getMethods()).extracting(m -> m.getBareMethodName())
                .containsExactlyInAnyOrder("Segment", "SegmentAll", "PrepareImage");
    }

    @Test
    void segmentRequestTellsAPromptWithoutABoxFromABoxAtTheOrigin() throws Exception {
        SegmentRequest parsed = SegmentRequest.parseFrom(SegmentRequest.newBuilder().setImageId("a").build().toByteArray());

        assertThat(parsed.hasBox()).isFalse();
        assertThat(SegmentRequest.parseFrom(SegmentRequest.newBuilder()
                .setBox(PromptBox.getDefaultInstance()).build().toByteArray()).hasBox()).isTrue();
    }

    @Test
    void askRequestKeepsUnsetSamplingFieldsDistinctFromZero() throws Exception {
        AskRequest request = AskRequest.newBuilder()
                .addRegions(Region.newBuilder().setRle(CocoRle.newBuilder().setHeight(2).setWidth(3).setCompressed("06")))
                .setTask(Task.TASK_SHORT_DESCRIPTION)
                .setSampling(Sampling.newBuilder().setTopK(0))
                .build();

        AskRequest parsed = AskRequest.parseFrom(request.toByteArray());

        assertThat(parsed.getSampling().hasTopK()).isTrue();
        assertThat(parsed.getSampling().hasTemperature()).isFalse();
        assertThat(parsed.getQuestionCase()).isEqualTo(AskRequest.QuestionCase.TASK);
        assertThat(parsed.getRegions(0).getMaskCase()).isEqualTo(Region.MaskCase.RLE);
    }

    @Test
    void finishedEventCarriesReasonAndUsage() throws Exception {
        AnswerEvent event = AnswerEvent.newBuilder().setAnswerIndex(2)
                .setFinished(Finished.newBuilder().setReason(FinishReason.FINISH_REASON_LENGTH)
                        .setUsage(Usage.newBuilder().setPromptTokens(1100).setCompletionTokens(16)
                                .setTimeToFirstTokenMs(12.5).setTotalMs(80)))
                .build();

        AnswerEvent parsed = AnswerEvent.parseFrom(event.toByteArray());

        assertThat(parsed.getFinished().getUsage().getPromptTokens()).isEqualTo(1100);
        assertThat(parsed.getAnswerIndex()).isEqualTo(2);
    }
}
